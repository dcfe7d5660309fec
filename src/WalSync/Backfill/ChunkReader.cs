using System.Globalization;
using Npgsql;
using WalSync.Pipeline;
using WalSync.Replication;

namespace WalSync.Backfill;

/// <summary>
/// Reads a table one chunk per statement, in the text forms pgoutput sends, with the snapshot the statement saw: in key
/// order (keyset pagination: <c>WHERE (key) &gt; (last key) ORDER BY key LIMIT n</c>) or in physical order (a range of
/// pages: <c>WHERE ctid &gt;= '(p,0)' AND ctid &lt; '(q,0)'</c>, a TID Range Scan on PostgreSQL 14+, which reads each
/// page once, in file order, where key order visits the heap at random when keys are random). Each chunk is laid out in
/// the table's columns as they are now (the publication's column list applied), so a column added meanwhile is read too.
/// </summary>
internal sealed class ChunkReader
{
    /// <summary>Rows per page assumed before the first chunk when the table was never analysed.</summary>
    private const double DefaultRowsPerPage = 50;

    private readonly SourceTable _table;
    private RelationInfo _relation;
    private double _rowsPerPage;
    private double _leastRowsPerPage;

    /// <summary>Creates a reader of <paramref name="table"/>.</summary>
    public ChunkReader(SourceTable table)
    {
        _table = table;
        _relation = table.Relation;
    }

    /// <summary>Reads up to <paramref name="rows"/> rows after <paramref name="after"/> (null: from the first row) into <paramref name="chunk"/>.</summary>
    /// <returns>The key of the last row read, or null when there was none.</returns>
    public async Task<string[]?> ReadAsync(NpgsqlConnection connection, BackfillChunk chunk, string[]? after, int rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        chunk.Relation = _relation = await TableColumns.CurrentAsync(connection, _table, _relation, cancellationToken);
        var keys = string.Join(", ", _table.KeyColumns.Select(SourceTable.QuoteIdentifier));
        var conditions = new List<string>();
        if (after is not null)
        {
            conditions.Add($"({keys}) > ({string.Join(", ", _table.KeyColumns.Select((_, i) => $"${i + 1}::{_table.KeyTypes[i]}"))})");
        }
        if (_table.RowFilter is { } filter)
        {
            conditions.Add($"({filter})");
        }
        var from = _table.IsPartitioned ? _table.SqlName : "ONLY " + _table.SqlName;
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        // The scalar subquery runs once, in the statement's snapshot: the rows and the snapshot belong together.
        var sql = $"SELECT (SELECT pg_current_snapshot()::text), {Columns} FROM {from}{where} ORDER BY {keys} LIMIT {rows}";
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        foreach (var value in after ?? [])
        {
            command.Parameters.AddWithValue(value);
        }
        var read = new List<RowImage>(rows);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await ReadRowsAsync(reader, chunk, read, 1, cancellationToken);
        }
        chunk.Rows = read;
        return read.Count == 0 ? null : [.. _table.KeyColumns.Select(k => read[^1].GetString(_relation.IndexOf(k)) ?? "")];
    }

    /// <summary>Reads the pages after <paramref name="at"/> that hold about <paramref name="rows"/> rows into <paramref name="chunk"/>
    /// (null: from the first page). Not for a partitioned table, whose rows lie in its partitions' files.</summary>
    /// <returns>The progress after the chunk. When the table's file is no longer <paramref name="at"/>'s, the rows have
    /// moved: the progress starts the new file over from its first page.</returns>
    public async Task<PageProgress> ReadPagesAsync(NpgsqlConnection connection, BackfillChunk chunk, PageProgress? at, int rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        chunk.Relation = _relation = await TableColumns.CurrentAsync(connection, _table, _relation, cancellationToken);
        if (_rowsPerPage == 0)
        {
            _rowsPerPage = await EstimateRowsPerPageAsync(connection, cancellationToken);
            _leastRowsPerPage = Math.Max(_rowsPerPage / 4, 1);
        }
        var first = at?.NextPage ?? 0;
        var pages = (long)Math.Clamp(rows / _rowsPerPage, 1, uint.MaxValue);
        var end = Math.Min(first + pages, uint.MaxValue);
        var filter = _table.RowFilter is { } rowFilter ? $" AND ({rowFilter})" : "";
        // The file, its size and the snapshot are read once, beside the rows, under the statement's lock, which a
        // rewrite (ACCESS EXCLUSIVE) waits for: the pages read belong to that file. The outer join yields one row
        // (the marker column null) when the range holds none, so an empty chunk still learns of a new file.
        var sql = $"""
            SELECT m.snapshot, m.node::text, m.pages::text, r.* FROM
              (SELECT pg_current_snapshot()::text, pg_relation_filenode($1::regclass), pg_relation_size($1::regclass) / current_setting('block_size')::bigint) AS m(snapshot, node, pages)
              LEFT JOIN LATERAL (SELECT true, {Columns} FROM ONLY {_table.SqlName} WHERE ctid >= '({first},0)'::tid AND ctid < '({end},0)'::tid{filter}) AS r ON true
            """;
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        command.Parameters.AddWithValue(_table.SqlName);
        var read = new List<RowImage>(rows);
        long node = 0, size = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await ReadRowsAsync(reader, chunk, read, 4, cancellationToken, r =>
            {
                if (node == 0)
                {
                    node = long.Parse(r.GetFieldValue<string>(1), CultureInfo.InvariantCulture);
                    size = long.Parse(r.GetFieldValue<string>(2), CultureInfo.InvariantCulture);
                }
                return !r.IsDBNull(3);
            });
        }
        chunk.Rows = read;
        // Sized by the rows the last chunk found per page, but never more than four times the first estimate's pages,
        // so a run of emptied pages does not make one huge chunk of the next full ones.
        _rowsPerPage = Math.Max(read.Count / (double)(end - first), _leastRowsPerPage);
        return at is null || at.Filenode == 0 ? new PageProgress(node, end, size)
            : at.Filenode != node ? new PageProgress(node, 0, size)
            : at with { NextPage = end };
    }

    private string Columns => string.Join(", ", _relation.Columns.Select(c => SourceTable.QuoteIdentifier(c.Name)));

    /// <summary>The planner's rows per page of the table, or <see cref="DefaultRowsPerPage"/> when it was never analysed.</summary>
    private async Task<double> EstimateRowsPerPageAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT reltuples / relpages FROM pg_class WHERE oid = $1::regclass AND relpages > 0 AND reltuples > 0", connection);
        command.Parameters.AddWithValue(_table.SqlName);
        return await command.ExecuteScalarAsync(cancellationToken) is float estimate ? Math.Max(estimate, 1) : DefaultRowsPerPage;
    }

    /// <summary>Reads the result's rows into <paramref name="read"/>: their columns from <paramref name="firstColumn"/>
    /// on; <paramref name="isRow"/> (when given) sees each result row first and says whether it holds a table row.</summary>
    private static async Task ReadRowsAsync(NpgsqlDataReader reader, BackfillChunk chunk, List<RowImage> read, int firstColumn, CancellationToken cancellationToken,
        Func<NpgsqlDataReader, bool>? isRow = null)
    {
        var builder = new RowImageBuilder();
        while (await reader.ReadAsync(cancellationToken))
        {
            chunk.Snapshot ??= PgSnapshot.Parse(reader.GetFieldValue<string>(0));
            if (isRow is not null && !isRow(reader))
            {
                continue;
            }
            builder.Start(reader.FieldCount - firstColumn);
            for (var i = firstColumn; i < reader.FieldCount; i++)
            {
                if (reader.IsDBNull(i))
                {
                    builder.AddNull();
                }
                else
                {
                    builder.AddText(reader.GetFieldValue<string>(i));
                }
            }
            read.Add(builder.Build());
        }
    }
}

using Npgsql;
using WalSync.Pipeline;
using WalSync.Replication;

namespace WalSync.Backfill;

/// <summary>
/// Reads a table in key order, one chunk per statement (keyset pagination: <c>WHERE (key) &gt; (last key) ORDER BY key
/// LIMIT n</c>), in the text forms pgoutput sends, with the snapshot the statement saw. Each chunk is laid out in the
/// table's columns as they are now (the publication's column list applied), so a column added meanwhile is read too.
/// </summary>
internal sealed class ChunkReader
{
    private readonly SourceTable _table;
    private RelationInfo _relation;

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
        var columns = string.Join(", ", _relation.Columns.Select(c => SourceTable.QuoteIdentifier(c.Name)));
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        // The scalar subquery runs once, in the statement's snapshot: the rows and the snapshot belong together.
        var sql = $"SELECT (SELECT pg_current_snapshot()::text), {columns} FROM {from}{where} ORDER BY {keys} LIMIT {rows}";
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        foreach (var value in after ?? [])
        {
            command.Parameters.AddWithValue(value);
        }
        var read = new List<RowImage>(rows);
        var builder = new RowImageBuilder();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                chunk.Snapshot ??= PgSnapshot.Parse(reader.GetFieldValue<string>(0));
                builder.Start(reader.FieldCount - 1);
                for (var i = 1; i < reader.FieldCount; i++)
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
        chunk.Rows = read;
        return read.Count == 0 ? null : [.. _table.KeyColumns.Select(k => read[^1].GetString(_relation.IndexOf(k)) ?? "")];
    }
}

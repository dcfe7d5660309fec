using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
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
    private readonly IReadOnlyDictionary<uint, BinaryType>? _binaryTypes;
    private RelationInfo _relation;
    private double _rowsPerPage;
    private double _leastRowsPerPage;

    /// <summary>Creates a reader of <paramref name="table"/>.</summary>
    /// <param name="table">The table.</param>
    /// <param name="binaryTypes">Binary forms by type OID (<see cref="BinaryTypes"/>): pages are then read with a binary
    /// COPY while every column's type is among them, which spares the server the output functions and walsync a string
    /// per value; null to read text.</param>
    public ChunkReader(SourceTable table, IReadOnlyDictionary<uint, BinaryType>? binaryTypes = null)
    {
        _table = table;
        _binaryTypes = binaryTypes;
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
        // The file, its size and the snapshot are read once, in one more row of the same statement, under its lock, which
        // a rewrite (ACCESS EXCLUSIVE) waits for: the pages read belong to that file. The table's rows have NULL in those
        // three columns, that row NULL in the table's. A UNION ALL, not a join of the rows to that row: the join's
        // projection cost the server about a tenth of a chunk's read.
        var sql = $"""
            SELECT NULL, NULL, NULL, {Columns} FROM ONLY {_table.SqlName} WHERE ctid >= '({first},0)'::tid AND ctid < '({end},0)'::tid{filter}
            UNION ALL
            {FileRow("$1")}{Nulls}
            """;
        var read = new List<RowImage>(rows);
        long node = 0, size = 0;
        if (_binaryTypes is { } types && _relation.Columns.All(c => types.ContainsKey(c.TypeOid)))
        {
            await using var copy = await connection.BeginRawBinaryCopyAsync(
                $"COPY ({sql.Replace("$1::regclass", NameLiteral + "::regclass", StringComparison.Ordinal)}) TO STDOUT (FORMAT binary)", cancellationToken);
            (node, size) = await ReadBinaryRowsAsync(new BinaryCopyReader(copy), types, chunk, read, cancellationToken);
        }
        else
        {
            await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
            command.Parameters.AddWithValue(_table.SqlName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await ReadRowsAsync(reader, chunk, read, 3, cancellationToken, r =>
            {
                if (r.IsDBNull(0))
                {
                    return true;
                }
                node = long.Parse(r.GetFieldValue<string>(1), CultureInfo.InvariantCulture);
                size = long.Parse(r.GetFieldValue<string>(2), CultureInfo.InvariantCulture);
                return false;
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

    /// <summary>Reads a binary COPY of the page query's result (snapshot, file and size, NULL in the table's rows; then
    /// the table's columns) into <paramref name="read"/>, each value turned into its text form (<see cref="PgBinaryText"/>).</summary>
    /// <returns>The file and its size in pages, from the result row that has them.</returns>
    private async Task<(long Node, long Size)> ReadBinaryRowsAsync(BinaryCopyReader copy, IReadOnlyDictionary<uint, BinaryType> types, BackfillChunk chunk,
        List<RowImage> read, CancellationToken cancellationToken)
    {
        const int firstColumn = 3;
        var builder = new RowImageBuilder();
        var (forms, keys) = BinaryColumns(types);
        long node = 0, size = 0;
        while (await copy.ReadAsync(cancellationToken))
        {
            if (copy.FieldCount != firstColumn + forms.Length)
            {
                throw new FormatException($"The COPY of {_table.SqlName} sent {copy.FieldCount} fields where {firstColumn + forms.Length} were expected.");
            }
            if (!copy.IsNull(0))
            {
                PgSnapshot snapshot;
                (snapshot, node, size) = ParseFileRow(copy);
                chunk.Snapshot ??= snapshot;
                continue;
            }
            read.Add(BuildBinaryRow(copy, firstColumn, builder, forms, keys, types, chunk));
        }
        return (node, size);
    }

    /// <summary>The row image of the COPY's current row, the table's columns from <paramref name="firstColumn"/> on: as the
    /// stream's rows (PgOutputDecoder), key columns in text, the others as the builder keeps their forms.</summary>
    private static RowImage BuildBinaryRow(BinaryCopyReader copy, int firstColumn, RowImageBuilder builder, BinaryType[] forms, bool[] keys,
        IReadOnlyDictionary<uint, BinaryType> types, BackfillChunk chunk)
    {
        builder.Start(forms.Length);
        for (var i = 0; i < forms.Length; i++)
        {
            if (copy.IsNull(firstColumn + i))
            {
                builder.AddNull();
            }
            else if (keys[i])
            {
                builder.AddBinary(forms[i], copy.Field(firstColumn + i), types);
            }
            else
            {
                builder.AddBinaryValue(forms[i], copy.Field(firstColumn + i), types);
            }
        }
        return Build(builder, chunk);
    }

    /// <summary>Brings the reader and <paramref name="chunk"/> to the table's columns as they are now and says whether the
    /// table can be read in one sequential scan (<see cref="ScanAsync"/>): not partitioned, every column's type with a
    /// binary form.</summary>
    public async Task<bool> PrepareScanAsync(NpgsqlConnection connection, BackfillChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        chunk.Relation = _relation = await TableColumns.CurrentAsync(connection, _table, _relation, cancellationToken);
        return !_table.IsPartitioned && _binaryTypes is { } types && _relation.Columns.All(c => types.ContainsKey(c.TypeOid));
    }

    /// <summary>
    /// Reads the whole table in one sequential scan, in one statement and so one snapshot, and hands its rows out in chunks
    /// of <paramref name="rows"/> rows: <paramref name="first"/>, then each chunk <paramref name="next"/> makes. Call
    /// <see cref="PrepareScanAsync"/> first. A sequential scan of a table larger than a quarter of <c>shared_buffers</c>
    /// reads through a small ring of buffers, where a range of pages (<see cref="ReadPagesAsync"/>, a TID Range Scan)
    /// evicts buffers all over the pool: on a table mostly outside the pool, that made page ranges cost the server about
    /// half as much again a row (benchmarks/README.md, "Where a backfill's time goes").
    /// </summary>
    /// <param name="connection">An open connection the scan's transaction runs on.</param>
    /// <param name="first">The first chunk: the one whose low watermark was written before this is called.</param>
    /// <param name="next">Makes the next chunk.</param>
    /// <param name="rows">Rows per chunk.</param>
    /// <param name="stop">Asked at each full chunk: true ends the scan with that chunk (the statement is cancelled).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Each chunk with its rows, relation and snapshot set; the progress once its rows are written (the page of its
    /// last row, read again on resuming: a page's other rows may be in the next chunk); and whether more chunks follow.
    /// The last chunk may be empty.</returns>
    /// <remarks>Rows come in page order: no synchronised scan (which may start in the middle of the table), no parallel
    /// workers, no index. Every row carries its <c>ctid</c>, whose page is checked to never go back.</remarks>
    /// <exception cref="FormatException">The rows did not come in page order.</exception>
    public async IAsyncEnumerable<(BackfillChunk Chunk, PageProgress After, bool More)> ScanAsync(NpgsqlConnection connection, BackfillChunk first,
        Func<BackfillChunk> next, int rows, Func<CancellationToken, ValueTask<bool>> stop, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(next);
        const int firstColumn = 4;
        var types = _binaryTypes ?? throw new InvalidOperationException("PrepareScanAsync said the table cannot be scanned.");
        var filter = _table.RowFilter is { } rowFilter ? $" WHERE ({rowFilter})" : "";
        // The file, its size and the snapshot come first, in one row of the same statement, under its lock.
        var sql = $"""
            COPY ({FileRow(NameLiteral)}, NULL::tid{Nulls}
            UNION ALL
            SELECT NULL, NULL, NULL, ctid, {Columns} FROM ONLY {_table.SqlName}{filter}) TO STDOUT (FORMAT binary)
            """;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var settings = new NpgsqlCommand(
            "SET LOCAL synchronize_seqscans = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_indexscan = off; " +
            "SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_tidscan = off", connection))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken);
        }
        var copy = await connection.BeginRawBinaryCopyAsync(sql, cancellationToken);
        var ended = false;
        try
        {
            var reader = new BinaryCopyReader(copy);
            var builder = new RowImageBuilder();
            var (forms, keys) = BinaryColumns(types);
            if (!await reader.ReadAsync(cancellationToken) || reader.FieldCount != firstColumn + forms.Length || reader.IsNull(0))
            {
                throw new FormatException($"The scan of {_table.SqlName} did not start with its snapshot and file.");
            }
            var (snapshot, node, size) = ParseFileRow(reader);
            var chunk = first;
            var read = new List<RowImage>(rows);
            long page = 0;
            while (true)
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    ended = true;
                    break;
                }
                var at = BinaryPrimitives.ReadUInt32BigEndian(reader.Field(3));
                if (at < page)
                {
                    throw new FormatException($"The scan of {_table.SqlName} went back from page {page} to page {at}.");
                }
                page = at;
                read.Add(BuildBinaryRow(reader, firstColumn, builder, forms, keys, types, chunk));
                if (read.Count < rows)
                {
                    continue;
                }
                (chunk.Relation, chunk.Snapshot, chunk.Rows) = (_relation, snapshot, read);
                if (await stop(cancellationToken))
                {
                    break;
                }
                yield return (chunk, new PageProgress(node, page, size), true);
                (chunk, read) = (next(), new List<RowImage>(rows));
            }
            (chunk.Relation, chunk.Snapshot, chunk.Rows) = (_relation, snapshot, read);
            yield return (chunk, new PageProgress(node, ended ? Math.Max(size, page + 1) : page, size), false);
        }
        finally
        {
            if (!ended)
            {
                // Disposing the COPY would read the rest of the table first. A connection already broken (the run stops)
                // has nothing left to cancel.
                try
                {
                    await copy.CancelAsync();
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ObjectDisposedException)
                {
                }
            }
            await copy.DisposeAsync();
        }
    }

    // Rows are packed into the chunk's arena when it has one.
    private static RowImage Build(RowImageBuilder builder, BackfillChunk chunk) => chunk.Arena is { } arena ? builder.Build(arena) : builder.Build();

    /// <summary>The statement's snapshot, the table's file and its size in pages, as text: <paramref name="name"/> is the
    /// table's name as a parameter or a literal.</summary>
    private static string FileRow(string name) =>
        $"SELECT pg_current_snapshot()::text, pg_relation_filenode({name}::regclass)::text, (pg_relation_size({name}::regclass) / current_setting('block_size')::bigint)::text";

    /// <summary>The values of the <see cref="FileRow"/> at the start of the COPY's current row.</summary>
    private static (PgSnapshot Snapshot, long Node, long Size) ParseFileRow(BinaryCopyReader copy) =>
        (PgSnapshot.Parse(System.Text.Encoding.UTF8.GetString(copy.Field(0))), long.Parse(copy.Field(1), CultureInfo.InvariantCulture),
            long.Parse(copy.Field(2), CultureInfo.InvariantCulture));

    /// <summary>Each column's binary form, and whether it is a key column: as the stream's rows (PgOutputDecoder), key
    /// columns are kept in text, the others as the builder keeps their forms.</summary>
    private (BinaryType[] Forms, bool[] Keys) BinaryColumns(IReadOnlyDictionary<uint, BinaryType> types) =>
        ([.. _relation.Columns.Select(c => types[c.TypeOid])], [.. _relation.Columns.Select(c => _table.KeyColumns.Contains(c.Name))]);

    /// <summary>A NULL for each of the table's columns, each after a comma: the file row's part of the table's columns.</summary>
    private string Nulls => string.Concat(Enumerable.Repeat(", NULL", _relation.Columns.Count));

    // COPY takes no parameters: the table's name goes in as an escaped literal.
    private string NameLiteral => "E'" + _table.SqlName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

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
            if (!reader.IsDBNull(0))
            {
                chunk.Snapshot ??= PgSnapshot.Parse(reader.GetFieldValue<string>(0));
            }
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
            read.Add(Build(builder, chunk));
        }
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Status;
using WalSync.Telemetry;

namespace WalSync.Backfill;

/// <summary>
/// Reads tables into collections while the stream goes on, chunk by chunk between watermarks: for each chunk it
/// registers the chunk, writes a low watermark into the WAL (<c>pg_logical_emit_message</c>), reads the rows (a range of
/// pages, or of keys: <see cref="ChunkReader"/>), writes a high watermark; <see cref="BackfillWindows"/> reconciles the
/// rows with the stream by document id, whatever order they were read in. The next chunk is read while the batch holding
/// the rows is flushed; once it is, the runner records the last page or key, so a restarted WalSync resumes after it.
/// A finished rebuild moves the collection's alias to the new version.
/// </summary>
/// <remarks>Watermarks are non-transactional logical decoding messages, which need pgoutput's <c>messages</c> option
/// (PostgreSQL 14+); PostgreSQL 17 flushes them at once, earlier versions with the next WAL flush
/// (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION).</remarks>
internal sealed class BackfillRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    /// <summary>Chunks of one backfill read and not yet flushed: two, so the next chunk is read while one is flushed.</summary>
    private const int ChunksInFlight = 2;

    private readonly BackfillOptions _options;
    private readonly NpgsqlDataSource _source;
    private readonly BackfillStore _store;
    private readonly BackfillWindows _windows;
    private readonly CollectionVersions _versions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _finished;
    private readonly SyncState? _state;
    private long _sequence;
    private readonly IReadOnlyDictionary<uint, BinaryType>? _binaryTypes;

    /// <summary>Creates the runner of one pipeline run; <paramref name="finished"/> is called after each backfill that
    /// finishes, <paramref name="state"/> (when not null) receives each backfill's progress, and with
    /// <paramref name="binaryTypes"/> pages are read in binary (<see cref="ChunkReader"/>).</summary>
    public BackfillRunner(BackfillOptions options, NpgsqlDataSource source, BackfillStore store, BackfillWindows windows,
        CollectionVersions versions, TimeProvider time, ILogger logger, Action finished, SyncState? state = null,
        IReadOnlyDictionary<uint, BinaryType>? binaryTypes = null)
    {
        _binaryTypes = binaryTypes;
        _finished = finished;
        _state = state;
        _options = options;
        _source = source;
        _store = store;
        _windows = windows;
        _versions = versions;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs <paramref name="jobs"/>, then those that arrive on <paramref name="more"/>, <c>Backfill:Parallelism</c>
    /// at a time, until <paramref name="cancellationToken"/> is cancelled (the pipeline stops) or <paramref name="more"/> ends.</summary>
    /// <exception cref="NpgsqlException">A read or a watermark failed; the pipeline restarts and the backfill resumes.</exception>
    public async Task RunAsync(IEnumerable<BackfillJob> jobs, IAsyncEnumerable<BackfillJob> more, CancellationToken cancellationToken)
    {
        async IAsyncEnumerable<BackfillJob> All()
        {
            foreach (var job in jobs)
            {
                yield return job;
            }
            await foreach (var job in more.WithCancellation(cancellationToken))
            {
                yield return job;
            }
        }
        await Parallel.ForEachAsync(All(), new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (job, token) => await RunJobAsync(job, token));
    }

    private async Task RunJobAsync(BackfillJob job, CancellationToken cancellationToken)
    {
        var table = job.Table;
        var record = job.Record;
        // A backfill goes on in the order it began in: a key and a page are not interchangeable.
        var physical = record.Pages is not null || (record.LastKey is null && _options.Order == BackfillOrder.Physical && !table.Source.IsPartitioned);
        // Arenas of flushed chunks, for the next ones to pack their rows into: at most one per chunk in flight, and one read.
        var arenas = new Stack<RowImageArena>();
        var reader = new ChunkReader(table.Source, _binaryTypes);
        var estimate = await EstimateRowsAsync(table.Source, cancellationToken);
        var started = _time.GetTimestamp();
        var startRows = record.RowsDone;
        var reported = started;
        var from = record.LastKey is not null ? "key (" + string.Join(", ", record.LastKey) + ")"
            : record.Pages is { } resumed ? $"page {resumed.NextPage} of {resumed.EndPage}"
            : physical ? "its first page" : "its first row";
        BackfillLog.Started(_logger, record.Table, record.Collection, from, estimate);
        using var span = WalSyncTelemetry.ActivitySource.StartActivity("walsync.backfill");
        span?.SetTag("db.system", "postgresql");
        span?.SetTag("db.collection.name", record.Table);
        span?.SetTag("walsync.collection", record.Collection);
        var tableTag = new KeyValuePair<string, object?>("table", record.Table);
        _state?.BackfillStarted(record.Table, record.Collection, record.RowsDone, estimate);
        _windows.BackfillStarted();
        // Chunks read and not yet flushed, oldest first, each with the position after it. The next chunk is read while
        // the previous one is flushed; progress is saved in chunk order, each position once its chunk is flushed.
        var inFlight = new Queue<(BackfillChunk Chunk, BackfillRecord After, bool Last)>();
        // A chunk's progress is saved while the next one is read: a round trip and a commit less on the reading's path.
        var saving = Task.CompletedTask;
        IAsyncEnumerator<(BackfillChunk Chunk, BackfillRecord After, bool Last)>? chunks = null;
        try
        {
            await WaitForHiddenCommitsAsync(record.Table, cancellationToken);
            var next = record;
            var reading = true;
            // A backfill that starts in physical order reads the table in one sequential scan first, for up to
            // Backfill:ScanSeconds, then in ranges of pages (a resumed one, or one read again, in ranges only).
            chunks = ChunksAsync(table, reader, next, physical, scan: physical && record.Pages is null && _options.ScanSeconds > 0, arenas, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (reading || inFlight.Count > 0)
            {
                if (reading && inFlight.Count < ChunksInFlight)
                {
                    if (!await chunks.MoveNextAsync())
                    {
                        reading = false;
                        continue;
                    }
                    var read = chunks.Current;
                    if (read.After.Pages is { } pages && next.Pages is { Filenode: not 0 } before && pages.Filenode != before.Filenode)
                    {
                        BackfillLog.Rewritten(_logger, record.Table, record.Collection);
                    }
                    inFlight.Enqueue(read);
                    (next, reading) = (read.After, !read.Last);
                    continue;
                }
                var (chunk, after, _) = inFlight.Dequeue();
                var rowsRead = chunk.Rows.Count;
                await WaitFlushedAsync(chunk, arenas, cancellationToken);
                if (chunk.ReadAgain)
                {
                    // Read again from this chunk on; the chunks read after it are written but their progress not kept.
                    while (inFlight.TryDequeue(out var later))
                    {
                        await WaitFlushedAsync(later.Chunk, arenas, cancellationToken);
                    }
                    await chunks.DisposeAsync();
                    chunks = ChunksAsync(table, reader, record, physical, scan: false, arenas, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    (next, reading) = (record, true);
                    continue;
                }
                record = after with { RowsDone = record.RowsDone + rowsRead };
                if (record.LastKey is not null || record.Pages is not null)
                {
                    await saving;
                    saving = _store.SaveAsync(record, cancellationToken);
                }
                WalSyncTelemetry.RowsBackfilled.Add(rowsRead, tableTag);
                _state?.RowsBackfilled(record.Table, rowsRead);
                if (_time.GetElapsedTime(reported) >= ProgressInterval)
                {
                    reported = _time.GetTimestamp();
                    var rate = (record.RowsDone - startRows) / Math.Max(_time.GetElapsedTime(started).TotalSeconds, 0.001);
                    BackfillLog.Progress(_logger, record.Table, record.Collection, record.RowsDone, estimate, rate);
                }
            }
            await saving;
            if (job.SwapWhenDone)
            {
                var targets = table.Targets;
                await targets.Gate.WaitAsync(cancellationToken);
                try
                {
                    await _versions.SwapAsync(table.Collection, record.Collection, cancellationToken);
                    targets.Set(record.Collection);
                }
                finally
                {
                    targets.Gate.Release();
                }
            }
            await _store.FinishAsync(record, cancellationToken);
            var took = _time.GetElapsedTime(started).TotalSeconds;
            BackfillLog.Finished(_logger, record.Table, record.Collection, record.RowsDone, took);
            _state?.BackfillFinished(record.Table);
            span?.SetTag("walsync.rows", record.RowsDone);
            _finished();
        }
        finally
        {
            if (chunks is not null)
            {
                // Ends a scan still running (its statement is cancelled) and forgets the chunk it was filling.
                await chunks.DisposeAsync();
            }
            // Failing or cancelled already: a save that failed too has nothing to add.
            await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var (chunk, _, _) in inFlight)
            {
                _windows.Forget(chunk);
            }
            _windows.BackfillEnded();
        }
    }

    /// <summary>The chunks after <paramref name="at"/>, each read and its high watermark written: with
    /// <paramref name="scan"/>, those of one sequential scan first (<see cref="ScanAsync"/>), then chunk by chunk.</summary>
    private async IAsyncEnumerable<(BackfillChunk Chunk, BackfillRecord After, bool Last)> ChunksAsync(TableBinding table, ChunkReader reader,
        BackfillRecord at, bool physical, bool scan, Stack<RowImageArena> arenas, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (scan)
        {
            await foreach (var scanned in ScanAsync(table, reader, at, arenas, cancellationToken))
            {
                yield return scanned;
                if (scanned.Last)
                {
                    yield break;
                }
                at = scanned.After;
            }
        }
        while (true)
        {
            var read = await ReadChunkAsync(table, reader, at, physical, arenas, cancellationToken);
            yield return read;
            if (read.Last)
            {
                yield break;
            }
            at = read.After;
        }
    }

    /// <summary>
    /// Reads the table in one sequential scan (<see cref="ChunkReader.ScanAsync"/>) for up to <c>Backfill:ScanSeconds</c>:
    /// one low watermark before the scan's statement opens one window for all its chunks, each chunk's high watermark
    /// (written on a second connection while the scan goes on) writes its rows, and the last one closes the window. The
    /// rows are read in one snapshot, taken after the low watermark, so the DBLog rule holds for each chunk: a document
    /// the stream changed since the low watermark is not written from the scan. Nothing is read when the table cannot be
    /// scanned; the empty first chunk then only closes its window.
    /// </summary>
    private async IAsyncEnumerable<(BackfillChunk Chunk, BackfillRecord After, bool Last)> ScanAsync(TableBinding table, ChunkReader reader,
        BackfillRecord at, Stack<RowImageArena> arenas, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = NewChunk(table, arenas, null);
        // The chunk being filled: registered with the windows, not yet handed out (forgotten if the scan ends without it).
        BackfillChunk? filling = first;
        var closed = false;
        // The second connection, for the high watermarks while the scan's statement runs, opens while the scan starts: a
        // new one costs a new server process.
        Task<NpgsqlConnection>? opening = null;
        NpgsqlCommand? waiting = null;
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            opening = _source.OpenConnectionAsync(cancellationToken).AsTask();
            await EmitAsync(connection, first.Id + ":L", flush: false, cancellationToken);
            if (!await reader.PrepareScanAsync(connection, first, cancellationToken))
            {
                await EmitAsync(connection, first.Id + ":H", flush: true, cancellationToken);
                (filling, closed) = (null, true);
                yield return (first, at, false);
                yield break;
            }
            var started = _time.GetTimestamp();
            var limit = TimeSpan.FromSeconds(_options.ScanSeconds);
            string? stopped = null;
            // The scan holds its table's lock: a statement that needs a stronger one (ALTER TABLE, VACUUM FULL) would wait
            // for it, and every later query of the table behind that one. The scan gives way, as it does at its time limit.
            async ValueTask<bool> StopAsync(CancellationToken token)
            {
                if (waiting is null)
                {
                    waiting = new NpgsqlCommand(
                        "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'relation' AND relation = $1::regclass AND NOT granted" +
                        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))", await opening);
                    waiting.Parameters.AddWithValue(table.Source.SqlName);
                }
                stopped = _time.GetElapsedTime(started) >= limit ? $"Backfill:ScanSeconds, {_options.ScanSeconds} s, reached"
                    : await waiting.ExecuteScalarAsync(token) is true ? "another statement waits for a lock on the table" : null;
                return stopped is not null;
            }
            await foreach (var (chunk, pages, more) in reader.ScanAsync(connection, first, () => filling = NewChunk(table, arenas, first.Id), _options.ChunkRows,
                StopAsync, cancellationToken))
            {
                chunk.ClosesWindow = !more;
                await EmitAsync(await opening, chunk.Id + ":H", flush: true, cancellationToken);
                (filling, closed) = (null, !more);
                if (stopped is not null)
                {
                    BackfillLog.ScanStopped(_logger, at.Table, at.Collection, pages.NextPage, pages.EndPage, stopped);
                }
                yield return (chunk, at with { Pages = pages }, pages.Done);
            }
        }
        finally
        {
            if (filling is not null)
            {
                _windows.Forget(filling);
            }
            first.WindowAbandoned = !closed;
            if (waiting is not null)
            {
                await waiting.DisposeAsync();
            }
            if (opening is not null)
            {
                await CloseAsync(opening);
            }
        }
    }

    /// <summary>Closes the connection <paramref name="opening"/> opens, once it is open; nothing when it failed to.</summary>
    private static async Task CloseAsync(Task<NpgsqlConnection> opening)
    {
        try
        {
            await opening;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return;
        }
        await opening.Result.DisposeAsync();
    }

    /// <summary>A new chunk of <paramref name="table"/>, registered with the windows, packing its rows into an arena of
    /// <paramref name="arenas"/> or a new one; in its own window, or in <paramref name="windowId"/>'s.</summary>
    private BackfillChunk NewChunk(TableBinding table, Stack<RowImageArena> arenas, string? windowId)
    {
        var chunk = new BackfillChunk($"{_windows.RunId}:{Interlocked.Increment(ref _sequence)}", table, windowId)
        {
            Arena = arenas.TryPop(out var arena) ? arena : new(),
        };
        _windows.Register(chunk);
        return chunk;
    }

    /// <summary>Reads the chunk after <paramref name="at"/> between its watermarks.</summary>
    /// <returns>The chunk, registered with the windows; the position after it (<see cref="BackfillRecord.RowsDone"/> not
    /// counted); and whether it was the table's last.</returns>
    private async Task<(BackfillChunk Chunk, BackfillRecord After, bool Last)> ReadChunkAsync(TableBinding table, ChunkReader reader, BackfillRecord at,
        bool physical, Stack<RowImageArena> arenas, CancellationToken cancellationToken)
    {
        var chunk = NewChunk(table, arenas, null);
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            await EmitAsync(connection, chunk.Id + ":L", flush: false, cancellationToken);
            BackfillRecord after;
            bool last;
            if (physical)
            {
                var pages = await reader.ReadPagesAsync(connection, chunk, at.Pages, _options.ChunkRows, cancellationToken);
                (after, last) = (at with { Pages = pages }, pages.Done);
            }
            else
            {
                var lastKey = await reader.ReadAsync(connection, chunk, at.LastKey, _options.ChunkRows, cancellationToken);
                (after, last) = (lastKey is null ? at : at with { LastKey = lastKey }, chunk.Rows.Count < _options.ChunkRows);
            }
            // Even an empty chunk closes its window, so the batcher stops watching the table for it.
            await EmitAsync(connection, chunk.Id + ":H", flush: true, cancellationToken);
            return (chunk, after, last);
        }
        catch
        {
            _windows.Forget(chunk);
            throw;
        }
    }

    /// <summary>Waits until every transaction the stream delivered but PostgreSQL still lists as running has ended.</summary>
    /// <remarks>A commit reaches the WAL, and so the stream, before its transaction leaves PostgreSQL's list of running
    /// ones: with synchronous replication it stays there until a standby confirms it (PostgreSQL's xact.c,
    /// RecordTransactionCommit). The windows remember the stream's transactions only from the backfill's start on, so one
    /// delivered before it but hidden from a chunk's snapshot would let the chunk write a row's older version over the
    /// stream's newer one. Once those have ended, every later snapshot sees them. Logs a warning every minute while
    /// waiting.</remarks>
    private async Task WaitForHiddenCommitsAsync(string table, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        var running = new Dictionary<uint, string>();
        await using (var listed = new NpgsqlCommand("SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) x", connection))
        await using (var reader = await listed.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var xid = reader.GetString(0);
                // The stream's transaction ids are 32 bits: an xid8's low half.
                running[(uint)ulong.Parse(xid, CultureInfo.InvariantCulture)] = xid;
            }
        }
        var hidden = _windows.DeliveredAmong(running.Keys);
        if (hidden.Count == 0)
        {
            return;
        }
        await using var visible = new NpgsqlCommand(
            "SELECT bool_and(pg_visible_in_snapshot(x::xid8, pg_current_snapshot())) FROM unnest($1::text[]) x", connection);
        visible.Parameters.AddWithValue(hidden.Select(x => running[x]).ToArray());
        long? warned = null;
        while (await visible.ExecuteScalarAsync(cancellationToken) is not true)
        {
            if (warned is null || _time.GetElapsedTime(warned.Value) >= TimeSpan.FromMinutes(1))
            {
                warned = _time.GetTimestamp();
                BackfillLog.WaitsForHiddenCommits(_logger, table, hidden.Count);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
        }
    }

    /// <summary>Waits until the batch holding <paramref name="chunk"/>'s rows is flushed, then forgets it and gives its
    /// arena back to <paramref name="arenas"/>, emptied (the flushed batch was its rows' last reader).</summary>
    private async Task WaitFlushedAsync(BackfillChunk chunk, Stack<RowImageArena> arenas, CancellationToken cancellationToken)
    {
        try
        {
            await chunk.Flushed.Task.WaitAsync(cancellationToken);
            chunk.Rows = [];
            if (chunk.Arena is { } arena)
            {
                arena.Reset();
                arenas.Push(arena);
            }
        }
        finally
        {
            _windows.Forget(chunk);
        }
    }

    /// <summary>Writes a watermark into the WAL, outside any transaction, so the stream delivers it in commit order; with
    /// <paramref name="flush"/>, makes sure the WAL is flushed past it: the WAL sender sends only flushed WAL. A low
    /// watermark need not be flushed (one round trip): its chunk's high watermark flushes the WAL past both.</summary>
    private static async Task EmitAsync(NpgsqlConnection connection, string content, bool flush, CancellationToken cancellationToken)
    {
        if (!flush || connection.PostgreSqlVersion.Major >= 17)
        {
            await using var direct = new NpgsqlCommand($"SELECT pg_logical_emit_message(false, $1, $2{(flush ? ", true" : "")})", connection);
            direct.Parameters.AddWithValue(Replication.PgOutputDecoder.WatermarkPrefix);
            direct.Parameters.AddWithValue(content);
            await direct.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        // Before 17 the message waits for the next WAL flush (up to wal_writer_delay): the commit of a transaction that
        // has an id flushes the WAL up to its commit record, which follows the message (when the commit is synchronous).
        // One round trip. Flushed here, not confirmed by a synchronous standby: the WAL sender sends what is flushed locally.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                new NpgsqlBatchCommand("SET LOCAL synchronous_commit = local"),
                new NpgsqlBatchCommand("SELECT pg_logical_emit_message(false, $1, $2), pg_current_xact_id()")
                {
                    Parameters = { new() { Value = Replication.PgOutputDecoder.WatermarkPrefix }, new() { Value = content } },
                },
                new NpgsqlBatchCommand("COMMIT"),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The planner's estimate of the table's rows (all partitions of a partitioned table); 0 when never analysed.</summary>
    private async Task<long> EstimateRowsAsync(SourceTable table, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await TableSize.EstimateRowsAsync(connection, table, cancellationToken);
    }
}

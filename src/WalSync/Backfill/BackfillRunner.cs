using System.Globalization;
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
        try
        {
            await WaitForHiddenCommitsAsync(record.Table, cancellationToken);
            var next = record;
            var reading = true;
            while (reading || inFlight.Count > 0)
            {
                if (reading && inFlight.Count < ChunksInFlight)
                {
                    var read = await ReadChunkAsync(table, reader, next, physical, arenas.TryPop(out var arena) ? arena : new(), cancellationToken);
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
            // Failing or cancelled already: a save that failed too has nothing to add.
            await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var (chunk, _, _) in inFlight)
            {
                _windows.Forget(chunk);
            }
            _windows.BackfillEnded();
        }
    }

    /// <summary>Reads the chunk after <paramref name="at"/> between its watermarks.</summary>
    /// <returns>The chunk, registered with the windows; the position after it (<see cref="BackfillRecord.RowsDone"/> not
    /// counted); and whether it was the table's last.</returns>
    private async Task<(BackfillChunk Chunk, BackfillRecord After, bool Last)> ReadChunkAsync(TableBinding table, ChunkReader reader, BackfillRecord at,
        bool physical, RowImageArena arena, CancellationToken cancellationToken)
    {
        var chunk = new BackfillChunk($"{_windows.RunId}:{Interlocked.Increment(ref _sequence)}", table) { Arena = arena };
        _windows.Register(chunk);
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

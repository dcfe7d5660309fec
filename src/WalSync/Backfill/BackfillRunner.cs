using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;
using WalSync.Pipeline;
using WalSync.Sink;

namespace WalSync.Backfill;

/// <summary>
/// Reads tables into collections while the stream goes on, chunk by chunk between watermarks: for each chunk it
/// registers the chunk, writes a low watermark into the WAL (<c>pg_logical_emit_message</c>), reads the rows, writes a
/// high watermark, and waits until the batch holding the rows is flushed (<see cref="BackfillWindows"/> reconciles them
/// with the stream). Then it records the last key, so a restarted WalSync resumes after it. A finished rebuild moves the
/// collection's alias to the new version.
/// </summary>
/// <remarks>Watermarks are non-transactional logical decoding messages, which need pgoutput's <c>messages</c> option
/// (PostgreSQL 14+); PostgreSQL 17 flushes them at once, earlier versions with the next WAL flush
/// (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION).</remarks>
internal sealed class BackfillRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    private readonly BackfillOptions _options;
    private readonly NpgsqlDataSource _source;
    private readonly BackfillStore _store;
    private readonly BackfillWindows _windows;
    private readonly CollectionVersions _versions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _finished;
    private long _sequence;

    /// <summary>Creates the runner of one pipeline run; <paramref name="finished"/> is called after each backfill that finishes.</summary>
    public BackfillRunner(BackfillOptions options, NpgsqlDataSource source, BackfillStore store, BackfillWindows windows,
        CollectionVersions versions, TimeProvider time, ILogger logger, Action finished)
    {
        _finished = finished;
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
        var reader = new ChunkReader(table.Source);
        var estimate = await EstimateRowsAsync(table.Source.Relation.RelationId, cancellationToken);
        var started = _time.GetTimestamp();
        var startRows = record.RowsDone;
        var reported = started;
        var from = record.LastKey is null ? "its first row" : "key (" + string.Join(", ", record.LastKey) + ")";
        BackfillLog.Started(_logger, record.Table, record.Collection, from, estimate);
        _windows.BackfillStarted();
        try
        {
            while (true)
            {
                var chunk = new BackfillChunk($"{_windows.RunId}:{Interlocked.Increment(ref _sequence)}", table);
                string[]? lastKey;
                _windows.Register(chunk);
                try
                {
                    await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                    await EmitAsync(connection, chunk.Id + ":L", cancellationToken);
                    lastKey = await reader.ReadAsync(connection, chunk, record.LastKey, _options.ChunkRows, cancellationToken);
                    // Even an empty chunk closes its window, so the batcher stops watching the table for it.
                    await EmitAsync(connection, chunk.Id + ":H", cancellationToken);
                    await chunk.Flushed.Task.WaitAsync(cancellationToken);
                }
                finally
                {
                    _windows.Forget(chunk);
                }
                if (chunk.ReadAgain)
                {
                    continue;
                }
                if (lastKey is null)
                {
                    break;
                }
                record = record with { LastKey = lastKey, RowsDone = record.RowsDone + chunk.Rows.Count };
                await _store.SaveAsync(record, cancellationToken);
                if (_time.GetElapsedTime(reported) >= ProgressInterval)
                {
                    reported = _time.GetTimestamp();
                    var rate = (record.RowsDone - startRows) / Math.Max(_time.GetElapsedTime(started).TotalSeconds, 0.001);
                    BackfillLog.Progress(_logger, record.Table, record.Collection, record.RowsDone, estimate, rate);
                }
                if (chunk.Rows.Count < _options.ChunkRows)
                {
                    break;
                }
            }
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
            _finished();
        }
        finally
        {
            _windows.BackfillEnded();
        }
    }

    /// <summary>Writes a watermark into the WAL, outside any transaction, so the stream delivers it in commit order, and
    /// makes sure the WAL is flushed past it: the WAL sender sends only flushed WAL.</summary>
    private static async Task EmitAsync(NpgsqlConnection connection, string content, CancellationToken cancellationToken)
    {
        if (connection.PostgreSqlVersion.Major >= 17)
        {
            await using var flushed = new NpgsqlCommand("SELECT pg_logical_emit_message(false, $1, $2, true)", connection);
            flushed.Parameters.AddWithValue(Replication.PgOutputDecoder.WatermarkPrefix);
            flushed.Parameters.AddWithValue(content);
            await flushed.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        // Before 17 the message waits for the next WAL flush (up to wal_writer_delay): the commit of a transaction that
        // has an id flushes the WAL up to its commit record, which follows the message (when the commit is synchronous).
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var synchronous = new NpgsqlCommand("SET LOCAL synchronous_commit = on", connection, transaction))
        {
            await synchronous.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("SELECT pg_logical_emit_message(false, $1, $2), pg_current_xact_id()", connection, transaction);
        command.Parameters.AddWithValue(Replication.PgOutputDecoder.WatermarkPrefix);
        command.Parameters.AddWithValue(content);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The planner's estimate of the table's rows (all partitions of a partitioned table); 0 when never analysed.</summary>
    /// <remarks>pg_partition_tree lists nothing for a table outside a partition tree, so such a table counts itself
    /// (https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-INFO-PARTITION).</remarks>
    private async Task<long> EstimateRowsAsync(uint relation, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE(sum(GREATEST(c.reltuples, 0)), 0)::bigint FROM pg_class c WHERE (c.oid = $1 AND c.relkind <> 'p') " +
            "OR c.oid IN (SELECT relid FROM pg_partition_tree($1) WHERE isleaf)", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, relation);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

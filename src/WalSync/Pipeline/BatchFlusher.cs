using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WalSync.Telemetry;

namespace WalSync.Pipeline;

/// <summary>
/// Writes batches through the sink, one collection at a time per batch, and reports them strictly in the order the
/// <see cref="Batcher"/> cut them. A collection's changes are written after the same collection's changes of every
/// earlier batch (commit order per document), but collections do not wait for each other: a batch of streamed changes
/// goes beside a backfill chunk's long import into another collection instead of after it. A batch is reported (and so
/// acknowledged, its chunks completed) only after it and every earlier batch are written.
/// </summary>
#pragma warning disable CA1001 // The semaphore's wait handle is never created, so there is nothing to dispose.
internal sealed class BatchFlusher
#pragma warning restore CA1001
{
    /// <summary>Batches being written or waiting to be reported, at most. Many are in flight only while small ones pass a
    /// long import (stream batches beside a backfill chunk); a batch whose collection is still being written for an
    /// earlier batch is held until it is free, so a catch-up of one table holds no more batches than one at a time did.</summary>
    internal const int MaxBatchesInFlight = 8;

    private readonly IBatchSink _sink;
    private readonly SemaphoreSlim _imports;
    private readonly ILogger _logger;

    /// <summary>The last write started per collection name; the next batch's write of that collection waits for it.</summary>
    private readonly Dictionary<string, Task> _lanes = new(StringComparer.Ordinal);

    /// <summary>Creates a flusher for one run of the pipeline.</summary>
    /// <param name="sink">Writes one collection's changes.</param>
    /// <param name="parallelism">How many collections are written at once, across batches (<c>Typesense:MaxConcurrentImports</c>,
    /// at least 1): the one bound on concurrent imports.</param>
    /// <param name="logger">The logger.</param>
    public BatchFlusher(IBatchSink sink, int parallelism, ILogger logger)
    {
        _sink = sink;
        _imports = new SemaphoreSlim(Math.Max(1, parallelism));
        _logger = logger;
    }

    /// <summary>
    /// Writes every batch of <paramref name="batches"/>, calls <paramref name="received"/> for each as it is taken, and
    /// <paramref name="flushed"/> for each, in order, once it and every earlier batch are written; returns when the
    /// channel completes and all is reported. The first failure is thrown after the batches still being written have
    /// stopped, and nothing from the failed batch on is reported.
    /// </summary>
    public async Task RunAsync(ChannelReader<Batch> batches, Action<Batch> received, Func<Batch, CancellationToken, Task> flushed, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Queue<(Batch Batch, Task Written)>();
        Task<bool>? more = null;
        Task? preparing = null;
        try
        {
            while (true)
            {
                await ReportWrittenAsync(inFlight, flushed, stop.Token);
                more ??= batches.WaitToReadAsync(stop.Token).AsTask();
                if (inFlight.TryPeek(out var oldest) && !more.IsCompleted)
                {
                    await Task.WhenAny(more, oldest.Written);
                    continue;
                }
                if (!await more)
                {
                    break;
                }
                more = null;
                if (!batches.TryRead(out var batch))
                {
                    continue;
                }
                received(batch);
                // While its collections are still written for earlier batches, the batch is made ready beside them (on
                // two cores, its documents render while the earlier import is sent and answered).
                preparing = Busy(batch) is null ? null : Task.Run(() => Prepare(batch), CancellationToken.None);
                // Wait for a free place and for the batch's collections, reporting what is written meanwhile. A busy
                // collection's write belongs to a batch in flight, so there is always an oldest to wait beside.
                while ((inFlight.Count >= MaxBatchesInFlight ? inFlight.Peek().Written : Busy(batch)) is { } wait)
                {
                    await Task.WhenAny(wait, inFlight.Peek().Written);
                    await ReportWrittenAsync(inFlight, flushed, stop.Token);
                }
                inFlight.Enqueue((batch, WriteAsync(batch, preparing, stop.Token)));
                preparing = null;
            }
            while (inFlight.TryPeek(out var last))
            {
                await last.Written;
                await ReportWrittenAsync(inFlight, flushed, stop.Token);
            }
        }
        catch
        {
            // Nothing may be left writing once the run ends: a later run replays these changes.
            await stop.CancelAsync();
            await (preparing ?? Task.CompletedTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var (_, written) in inFlight)
            {
                await written.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            throw;
        }
    }

    /// <summary>Reports the written batches at the head of <paramref name="inFlight"/>, in order; throws a failed one's error.</summary>
    private static async Task ReportWrittenAsync(Queue<(Batch Batch, Task Written)> inFlight, Func<Batch, CancellationToken, Task> flushed,
        CancellationToken cancellationToken)
    {
        while (inFlight.TryPeek(out var head) && head.Written.IsCompleted)
        {
            await head.Written;
            inFlight.Dequeue();
            await flushed(head.Batch, cancellationToken);
        }
    }

    /// <summary>A write of one of <paramref name="batch"/>'s collections for an earlier batch that has not ended, or null.</summary>
    private Task? Busy(Batch batch)
    {
        foreach (var name in batch.Collections.Keys)
        {
            if (_lanes.TryGetValue(name, out var lane) && !lane.IsCompleted)
            {
                return lane;
            }
        }
        return null;
    }

    /// <summary>Has the sink make each collection of <paramref name="batch"/> ready (<see cref="IBatchSink.Prepare"/>).</summary>
    private void Prepare(Batch batch)
    {
        foreach (var changes in batch.Collections.Values)
        {
            _sink.Prepare(changes);
        }
    }

    /// <summary>Starts writing each collection of <paramref name="batch"/> behind that collection's earlier writes, once
    /// <paramref name="prepared"/> (when not null) has ended. The lanes are taken before the first await, so writes of one
    /// collection start in the order batches arrive.</summary>
    private async Task WriteAsync(Batch batch, Task? prepared, CancellationToken cancellationToken)
    {
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.flush");
        activity?.SetTag("walsync.rows", batch.Rows);
        activity?.SetTag("walsync.collections", batch.Collections.Count);
        activity?.SetTag("walsync.transaction_end_lsn", batch.TransactionEndLsn.ToString());
        var started = Stopwatch.GetTimestamp();
        var writes = new Task<long>[batch.Collections.Count];
        var i = 0;
        foreach (var (name, changes) in batch.Collections)
        {
            var write = WriteAfterAsync(_lanes.GetValueOrDefault(name), prepared, changes, cancellationToken);
            _lanes[name] = write;
            writes[i++] = write;
        }
        var bytes = (await Task.WhenAll(writes)).Sum();
        activity?.SetTag("walsync.bytes", bytes);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        WalSyncTelemetry.FlushDuration.Record(seconds);
        PipelineLog.Flushed(_logger, batch.Rows, batch.Collections.Count, seconds, batch.TransactionEndLsn);
    }

    private async Task<long> WriteAfterAsync(Task? previous, Task? prepared, CollectionBatch changes, CancellationToken cancellationToken)
    {
        if (previous is not null)
        {
            // A failed earlier write fails its own batch, which stops the run before this one is reported.
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (prepared is not null)
        {
            await prepared;
        }
        await _imports.WaitAsync(cancellationToken);
        try
        {
            return await _sink.FlushAsync(changes, cancellationToken);
        }
        finally
        {
            _imports.Release();
        }
    }
}

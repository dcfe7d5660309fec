using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Status;
using WalSync.Telemetry;

namespace WalSync.Pipeline;

/// <summary>
/// One run of the flow, assembled from its parts: a source writes changes into a bounded channel (after an optional
/// snapshot copy), the <see cref="Batcher"/> cuts batches, the sink writes them, and the <see cref="Checkpointer"/>
/// acknowledges what is flushed. A full channel pauses the source, so PostgreSQL keeps the WAL and memory stays bounded.
/// </summary>
internal sealed class SyncPipeline
{
    private readonly BatchOptions _options;
    private readonly TableRegistry _tables;
    private readonly IBatchSink _sink;
    private readonly int _parallelism;
    private readonly Checkpointer _checkpointer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackfillWindows? _windows;
    private readonly SyncState? _state;
    private readonly RowImagePool? _rows;

    /// <summary>Assembles a pipeline; nothing runs until <see cref="RunAsync"/>.</summary>
    /// <param name="options">Batch size, flush interval and channel capacity.</param>
    /// <param name="tables">The configured tables.</param>
    /// <param name="sink">Writes the batches.</param>
    /// <param name="parallelism">How many collections are written at once (<c>Typesense:MaxConcurrentImports</c>).</param>
    /// <param name="checkpointer">Acknowledges what is flushed.</param>
    /// <param name="time">The clock of the batcher and the idle acknowledgements.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="windows">The backfills' watermark windows, or null when nothing is backfilled.</param>
    /// <param name="state">Receives the counts, the channel depth and the flushed positions; none when null.</param>
    /// <param name="rows">The pool the source's new rows come from: the rows of each flushed batch's stream changes go
    /// back to it. Null when the source does not use one.</param>
    public SyncPipeline(BatchOptions options, TableRegistry tables, IBatchSink sink, int parallelism, Checkpointer checkpointer, TimeProvider time, ILogger logger,
        BackfillWindows? windows = null, SyncState? state = null, RowImagePool? rows = null)
    {
        _rows = rows;
        _windows = windows;
        _state = state;
        _options = options;
        _tables = tables;
        _sink = sink;
        _parallelism = parallelism;
        _checkpointer = checkpointer;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled, then stops reading at a transaction boundary, flushes and
    /// acknowledges what was read, and returns. When the source or a stage fails, what was read is still flushed (complete
    /// transactions need not come again) and the failure is thrown. <paramref name="abort"/> gives up at once.
    /// </summary>
    /// <param name="source">The stream.</param>
    /// <param name="alongside">Runs beside the stream once it started (the backfills), until reading stops; its failure
    /// stops reading like a failure of the stream. Null for none.</param>
    /// <param name="streaming">Called when the source is about to start.</param>
    /// <param name="stopping">Stops gracefully.</param>
    /// <param name="abort">Gives up at once; what was not acknowledged is sent again next time.</param>
    public async Task RunAsync(IChangeSource source, Func<CancellationToken, Task>? alongside, Action? streaming, CancellationToken stopping, CancellationToken abort)
    {
        _checkpointer.StartRun();
        var changes = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        _state?.AttachChannel(() => changes.Reader.Count);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var batcherTask = RunStageAsync(() => new Batcher(_options, _tables, _time, _windows).RunAsync(changes.Reader, batches.Writer, failed.Token), failed);
        var flusher = new BatchFlusher(_sink, _parallelism, _logger);
        var sinkTask = RunStageAsync(() => flusher.RunAsync(batches.Reader, CountReceived, OnFlushedAsync, failed.Token), failed);
        var idleTask = AcknowledgeWhileIdleAsync(sinkTask, failed.Token);
        using var besideFailed = new CancellationTokenSource();
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(stopping, failed.Token, besideFailed.Token);
        using var stopBeside = CancellationTokenSource.CreateLinkedTokenSource(stopReading.Token);
        Exception? readError = null;
        Exception? besideError = null;
        var beside = Task.CompletedTask;
        try
        {
            _checkpointer.Attach(source);
            streaming?.Invoke();
            var reading = source.RunAsync(changes.Writer, stopReading.Token);
            if (alongside is not null)
            {
                beside = RunBesideAsync(alongside, e => besideError = e, besideFailed, stopBeside.Token);
            }
            await reading;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopReading.IsCancellationRequested)
        {
            readError = e;
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to write: what was not written was not acknowledged either.
        }
        await stopBeside.CancelAsync();
        await beside;
        readError ??= besideError;
        PipelineLog.Draining(_logger);
        changes.Writer.TryComplete();
        await Task.WhenAll(batcherTask, sinkTask, idleTask);
        await _checkpointer.AcknowledgeIdleAsync(abort);
        PipelineLog.Stopped(_logger, _checkpointer.LastAcknowledged == NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid
            ? "nothing new to acknowledge in this run" : $"last acknowledged LSN {_checkpointer.LastAcknowledged}");
        if (readError is not null)
        {
            ExceptionDispatchInfo.Capture(readError).Throw();
        }
    }

    /// <summary>Called in batch order once a batch and every earlier one are written.</summary>
    private async Task OnFlushedAsync(Batch batch, CancellationToken cancellationToken)
    {
        await _checkpointer.OnFlushedAsync(batch, cancellationToken);
        RecordFlushed(batch);
        foreach (var chunk in batch.Chunks)
        {
            chunk.Flushed.TrySetResult();
        }
        _rows?.Return(StreamRows(batch));
    }

    /// <summary>The rows of <paramref name="batch"/>'s changes that came from the stream (those with an LSN), each once:
    /// a backfill gives its chunks' rows back itself, and rows of nested tables may stand under several roots.</summary>
    private static IEnumerable<RowImage> StreamRows(Batch batch)
    {
        foreach (var collection in batch.Collections.Values)
        {
            foreach (var change in collection.Changes.Values)
            {
                if (change.Lsn != NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid && !change.Row.IsEmpty)
                {
                    yield return change.Row;
                }
            }
        }
    }

    /// <summary>Counts the batch's changes read from the slot, by table and kind; once per batch, not per change.</summary>
    private void CountReceived(Batch batch)
    {
        foreach (var collection in batch.Collections.Values)
        {
            var table = collection.Table.Source.Relation.QualifiedName;
            Count(table, "insert", collection.Inserts);
            Count(table, "update", collection.Updates);
            Count(table, "delete", collection.Deletes);
            _state?.Collection(collection.Table.Collection, table).Received(collection.Inserts, collection.Updates, collection.Deletes);
        }
    }

    private static void Count(string table, string kind, int changes)
    {
        if (changes > 0)
        {
            WalSyncTelemetry.ChangesReceived.Add(changes, new KeyValuePair<string, object?>("table", table), new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Records a flushed batch: its size, each transaction's time from commit to Typesense, and the state's positions.</summary>
    private void RecordFlushed(Batch batch)
    {
        if (batch.Rows > 0)
        {
            WalSyncTelemetry.BatchRows.Record(batch.Rows);
        }
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var committed in batch.CommitTimes)
        {
            WalSyncTelemetry.CommitToSearchable.Record(Math.Max(0, (now - committed).TotalSeconds));
        }
        _state?.Flushed(batch.TransactionEndLsn, batch.CommitTimes.Count > 0 ? batch.CommitTimes[^1] : null);
    }

    /// <summary>Acknowledges the server's position every flush interval (at least 100 ms) while nothing is in flight.</summary>
    private async Task AcknowledgeWhileIdleAsync(Task sinkTask, CancellationToken cancellationToken)
    {
        var interval = _options.FlushInterval < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : _options.FlushInterval;
        using var timer = new PeriodicTimer(interval, _time);
        while (!sinkTask.IsCompleted)
        {
            try
            {
                await Task.WhenAny(timer.WaitForNextTickAsync(cancellationToken).AsTask(), sinkTask);
                if (!sinkTask.IsCompleted)
                {
                    await _checkpointer.AcknowledgeIdleAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs what goes on beside the stream; a failure is recorded and stops reading, a stop ends it quietly.</summary>
    private static async Task RunBesideAsync(Func<CancellationToken, Task> run, Action<Exception> failed, CancellationTokenSource stopReading, CancellationToken stop)
    {
        try
        {
            await run(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Reading stopped; what it did not finish resumes from its durable state.
        }
        catch (Exception e)
        {
            failed(e);
            await stopReading.CancelAsync();
        }
    }

    /// <summary>Runs a stage; when it fails, the others are cancelled so that the failure surfaces instead of a stall.</summary>
    private static async Task RunStageAsync(Func<Task> stage, CancellationTokenSource failed)
    {
        try
        {
            await stage();
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }
    }
}

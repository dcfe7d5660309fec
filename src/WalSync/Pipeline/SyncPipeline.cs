using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;

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
    private readonly Checkpointer _checkpointer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Assembles a pipeline; nothing runs until <see cref="RunAsync"/>.</summary>
    public SyncPipeline(BatchOptions options, TableRegistry tables, IBatchSink sink, Checkpointer checkpointer, TimeProvider time, ILogger logger)
    {
        _options = options;
        _tables = tables;
        _sink = sink;
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
    /// <param name="copy">Writes the snapshot copy into the channel and returns once it is flushed (its arguments: the
    /// channel, the stop token, the abort token), or null when the slot exists.</param>
    /// <param name="streaming">Called when the source is about to start.</param>
    /// <param name="stopping">Stops gracefully.</param>
    /// <param name="abort">Gives up at once; what was not acknowledged is sent again next time.</param>
    public async Task RunAsync(IChangeSource source, Func<ChannelWriter<ChangeEvent>, CancellationToken, CancellationToken, Task>? copy,
        Action? streaming, CancellationToken stopping, CancellationToken abort)
    {
        _checkpointer.StartRun();
        var changes = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var batcherTask = RunStageAsync(() => new Batcher(_options, _tables, _time).RunAsync(changes.Reader, batches.Writer, failed.Token), failed);
        var sinkTask = RunStageAsync(() => FlushAllAsync(batches.Reader, failed.Token), failed);
        var idleTask = AcknowledgeWhileIdleAsync(sinkTask, failed.Token);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(stopping, failed.Token);
        Exception? readError = null;
        try
        {
            if (copy is not null)
            {
                await copy(changes.Writer, stopReading.Token, failed.Token);
            }
            if (!stopReading.IsCancellationRequested)
            {
                _checkpointer.Attach(source);
                streaming?.Invoke();
                await source.RunAsync(changes.Writer, stopReading.Token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopReading.IsCancellationRequested)
        {
            readError = e;
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to write: what was not written was not acknowledged either.
        }
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

    private async Task FlushAllAsync(ChannelReader<Batch> batches, CancellationToken cancellationToken)
    {
        await foreach (var batch in batches.ReadAllAsync(cancellationToken))
        {
            await _sink.FlushAsync(batch, cancellationToken);
            await _checkpointer.OnFlushedAsync(batch, cancellationToken);
        }
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

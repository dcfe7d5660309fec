using Microsoft.Extensions.Logging;
using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>
/// Acknowledges LSNs to PostgreSQL. An LSN is acknowledged only after the batch holding its transaction's commit is
/// flushed (all of it in Typesense or in the dead-letter store): that is the at-least-once contract. When nothing is
/// in flight it acknowledges the server's keepalive position, so that WAL written to other tables or databases does
/// not pile up behind the slot. Acknowledgements never go backwards.
/// </summary>
/// <remarks>PostgreSQL skips on restart only transactions whose commit record starts before the acknowledged LSN, so
/// the commit's end LSN is what is acknowledged (https://www.postgresql.org/docs/15/protocol-replication.html).</remarks>
#pragma warning disable CA1001 // The semaphore's wait handle is never created, so there is nothing to dispose.
public sealed class Checkpointer
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;

    /// <summary>Events flushed so far in this run. Written under <see cref="_gate"/>.</summary>
    private long _eventsFlushed;

    /// <summary>Events written to the channel before the reader started (the snapshot copy).</summary>
    private long _eventsBeforeReader;

    /// <summary>The reader, once streaming. Set before it starts; read by the idle acknowledgement.</summary>
    private volatile IReplicationProgress? _progress;

    /// <summary>Waiters for <see cref="WaitForFlushedAsync"/>. Guarded by itself.</summary>
    private readonly List<(long Events, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Creates a checkpointer.</summary>
    public Checkpointer(ILogger logger) => _logger = logger;

    /// <summary>The last LSN acknowledged to PostgreSQL (<see cref="NpgsqlLogSequenceNumber.Invalid"/> before the first).</summary>
    public NpgsqlLogSequenceNumber LastAcknowledged { get; private set; } = NpgsqlLogSequenceNumber.Invalid;

    /// <summary>Events flushed so far in this run.</summary>
    public long EventsFlushed => Volatile.Read(ref _eventsFlushed);

    /// <summary>Raised after each acknowledgement with the acknowledged LSN.</summary>
    public event Action<NpgsqlLogSequenceNumber>? Acknowledged;

    /// <summary>Forgets the counters of a previous run (after a reconnect the channel starts empty); the last
    /// acknowledged LSN is kept, so acknowledgements stay monotonic.</summary>
    public void StartRun()
    {
        _progress = null;
        _eventsBeforeReader = 0;
        Volatile.Write(ref _eventsFlushed, 0);
        lock (_waiters)
        {
            _waiters.Clear();
        }
    }

    /// <summary>Starts acknowledging to <paramref name="progress"/>; <paramref name="eventsBefore"/> events were already
    /// in the channel (the snapshot copy) when it started writing.</summary>
    public void Attach(IReplicationProgress progress, long eventsBefore)
    {
        _eventsBeforeReader = eventsBefore;
        _progress = progress;
    }

    /// <summary>Records that <paramref name="batch"/> is flushed and acknowledges its commit LSN.</summary>
    public async Task OnFlushedAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Volatile.Write(ref _eventsFlushed, batch.EventsThrough);
            lock (_waiters)
            {
                foreach (var waiter in _waiters.Where(w => w.Events <= batch.EventsThrough).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
            if (batch.CommitLsn != NpgsqlLogSequenceNumber.Invalid)
            {
                await AcknowledgeAsync(batch.CommitLsn, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Completes when the first <paramref name="events"/> events of the run are flushed.</summary>
    public Task WaitForFlushedAsync(long events, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (EventsFlushed >= events)
            {
                return Task.CompletedTask;
            }
            _waiters.Add((events, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>When every event the reader wrote is flushed and no transaction is open, acknowledges the server's
    /// last reported position.</summary>
    public async Task AcknowledgeIdleAsync(CancellationToken cancellationToken)
    {
        if (_progress is not { } progress)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Order matters: the position is read first, so anything received after it cannot be passed.
            var position = progress.LastReceivedLsn;
            if (progress.InTransaction || progress.EventsWritten + _eventsBeforeReader != EventsFlushed)
            {
                return;
            }
            await AcknowledgeAsync(position, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task AcknowledgeAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
    {
        if (_progress is not { } progress || lsn == NpgsqlLogSequenceNumber.Invalid || (LastAcknowledged != NpgsqlLogSequenceNumber.Invalid && lsn <= LastAcknowledged))
        {
            return;
        }
        if (!await progress.AcknowledgeAsync(lsn, cancellationToken))
        {
            return;
        }
        LastAcknowledged = lsn;
        Acknowledged?.Invoke(lsn);
    }
}

using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>
/// The one owner of what is acknowledged to PostgreSQL. The contract, enforced here and nowhere else:
/// <list type="number">
/// <item>An LSN is acknowledged only after everything before it is in Typesense or in the dead-letter store: it is
/// the end LSN of a transaction whose Commit was in a batch that the sink flushed (batches flush in order, so every
/// earlier change is flushed too). A batch that failed is never reported, so it acknowledges nothing.</item>
/// <item>When nothing is in flight (no transaction open, the last Commit written to the channel flushed), the
/// server's last reported position is acknowledged, so WAL of other tables and databases does not pile up.</item>
/// <item>Acknowledgements never go backwards, across reconnects too.</item>
/// </list>
/// The bookkeeping is one number per run: the end LSN of the last flushed transaction (<see cref="FlushedThrough"/>).
/// </summary>
/// <remarks>PostgreSQL skips on restart only transactions that end before the acknowledged LSN, so the commit's end
/// LSN is what is acknowledged (https://www.postgresql.org/docs/15/protocol-replication.html); PostgreSQL's own apply
/// worker reports the received position when it has nothing outstanding (worker.c send_feedback).</remarks>
#pragma warning disable CA1001 // The semaphore's wait handle is never created, so there is nothing to dispose.
internal sealed class Checkpointer
#pragma warning restore CA1001
{
    /// <summary>Serialises acknowledgements (flushes and the idle timer).</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Waiters of <see cref="WaitForFlushedAsync"/>. Guarded by itself.</summary>
    private readonly List<(NpgsqlLogSequenceNumber Lsn, TaskCompletionSource Done)> _waiters = [];

    /// <summary>The end LSN of the last flushed transaction of this run. Written under <see cref="_gate"/>.</summary>
    private ulong _flushedThrough;

    /// <summary>The stream once it is attached; acknowledgements go to it. Set before it starts writing.</summary>
    private volatile IChangeSource? _source;

    /// <summary>The last LSN acknowledged to PostgreSQL (<see cref="NpgsqlLogSequenceNumber.Invalid"/> before the first).</summary>
    public NpgsqlLogSequenceNumber LastAcknowledged { get; private set; } = NpgsqlLogSequenceNumber.Invalid;

    /// <summary>The end LSN of the last transaction (or snapshot copy) flushed in this run.</summary>
    public NpgsqlLogSequenceNumber FlushedThrough => new(Volatile.Read(ref _flushedThrough));

    /// <summary>Raised after each acknowledgement with the acknowledged LSN.</summary>
    public event Action<NpgsqlLogSequenceNumber>? Acknowledged;

    /// <summary>Forgets the previous run (after a reconnect the channel starts empty and PostgreSQL resends what was not
    /// acknowledged); <see cref="LastAcknowledged"/> is kept, so acknowledgements stay monotonic.</summary>
    public void StartRun()
    {
        _source = null;
        Volatile.Write(ref _flushedThrough, 0);
        lock (_waiters)
        {
            _waiters.Clear();
        }
    }

    /// <summary>Starts acknowledging to <paramref name="source"/>, before it writes its first change.</summary>
    public void Attach(IChangeSource source) => _source = source;

    /// <summary>Records that <paramref name="batch"/> is flushed, all of it, and acknowledges the end LSN of the last
    /// transaction it completes (a batch cut inside a transaction completes none).</summary>
    public async Task OnFlushedAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.TransactionEndLsn == NpgsqlLogSequenceNumber.Invalid)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Volatile.Write(ref _flushedThrough, (ulong)batch.TransactionEndLsn);
            lock (_waiters)
            {
                foreach (var waiter in _waiters.Where(w => w.Lsn <= batch.TransactionEndLsn).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
            await AcknowledgeAsync(batch.TransactionEndLsn, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Completes when a transaction (or the snapshot copy) ending at or after <paramref name="lsn"/> is flushed.</summary>
    public Task WaitForFlushedAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (FlushedThrough >= lsn)
            {
                return Task.CompletedTask;
            }
            _waiters.Add((lsn, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>When nothing is in flight, acknowledges the server's last reported position (rule 2).</summary>
    public async Task AcknowledgeIdleAsync(CancellationToken cancellationToken)
    {
        if (_source is not { } source)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Order matters: the position is read first, so nothing received after it can be passed; the source sets
            // LastCommitWritten before it leaves the transaction, so a Commit on its way is seen in one or the other.
            var position = source.LastReceivedLsn;
            if (source.InTransaction || source.LastCommitWritten > FlushedThrough)
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
        if (_source is not { } source || lsn == NpgsqlLogSequenceNumber.Invalid || lsn <= LastAcknowledged)
        {
            return;
        }
        if (!await source.AcknowledgeAsync(lsn, cancellationToken))
        {
            return;
        }
        LastAcknowledged = lsn;
        Acknowledged?.Invoke(lsn);
    }
}

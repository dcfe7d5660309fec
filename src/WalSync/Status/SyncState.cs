using NpgsqlTypes;

namespace WalSync.Status;

/// <summary>
/// The live state of one <see cref="SyncService"/>: its phase, positions, lag inputs, backfill progress and per-collection
/// counts. The parts of the flow update it as they work; readers take a consistent <see cref="Snapshot"/>, or wait for a
/// position with <see cref="WaitForSearchableAsync"/>. Thread-safe.
/// </summary>
/// <remarks>Positions follow what the <c>Checkpointer</c> flushed and acknowledged: an LSN counts as searchable only once
/// every change before it is in Typesense or in the dead-letter store.</remarks>
public sealed class SyncState
{
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;

    /// <summary>Guards every field below that is not a counter object.</summary>
    private readonly Lock _gate = new();
    private SyncPhase _phase = SyncPhase.Starting;
    private DateTimeOffset _phaseSince;
    private string? _lastError;
    private DateTimeOffset? _failingSince;
    private int _restarts;
    private NpgsqlLogSequenceNumber _lastAcknowledged = NpgsqlLogSequenceNumber.Invalid;
    private NpgsqlLogSequenceNumber _searchableThrough = NpgsqlLogSequenceNumber.Invalid;
    private NpgsqlLogSequenceNumber _serverWal = NpgsqlLogSequenceNumber.Invalid;
    private NpgsqlLogSequenceNumber _slotConfirmed = NpgsqlLogSequenceNumber.Invalid;
    private string? _slotWalStatus;
    private long? _slotRetained;
    private long? _slotSpilledTransactions;
    private long? _slotSpilledBytes;
    private long? _slotStreamedTransactions;
    private long? _slotStreamedBytes;
    private long? _deadLettersPending;
    private DateTimeOffset? _lastFlushAt;

    /// <summary>The end LSN of the last transaction the reader handed on.</summary>
    private NpgsqlLogSequenceNumber _lastCommitReceived = NpgsqlLogSequenceNumber.Invalid;

    /// <summary>The commit time from which the lag in seconds counts; null when everything received is flushed.</summary>
    private DateTime? _pendingSince;

    private readonly List<BackfillState> _backfills = [];
    private readonly Dictionary<string, CollectionCounters> _collections = new(StringComparer.Ordinal);
    private readonly List<(NpgsqlLogSequenceNumber Lsn, TaskCompletionSource Done)> _waiters = [];
    private Func<int>? _channelDepth;

    /// <summary>Creates the state of a WalSync on <paramref name="slot"/> and <paramref name="publication"/>, in
    /// <see cref="SyncPhase.Starting"/>.</summary>
    /// <param name="slot">The replication slot.</param>
    /// <param name="publication">The publication.</param>
    /// <param name="time">The clock of the phase times and the lag; <see cref="TimeProvider.System"/> when null.</param>
    public SyncState(string slot, string publication, TimeProvider? time = null)
    {
        Slot = slot;
        Publication = publication;
        _time = time ?? TimeProvider.System;
        _startedAt = _phaseSince = _time.GetUtcNow();
    }

    /// <summary>The replication slot.</summary>
    public string Slot { get; }

    /// <summary>The publication.</summary>
    public string Publication { get; }

    /// <summary>Every change committed before this LSN is in Typesense or in the dead-letter store.</summary>
    public NpgsqlLogSequenceNumber SearchableThrough
    {
        get
        {
            lock (_gate)
            {
                return _searchableThrough;
            }
        }
    }

    /// <summary>A consistent copy of the state as it is now.</summary>
    public SyncStatus Snapshot()
    {
        var depth = _channelDepth;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var acknowledged = _lastAcknowledged > _slotConfirmed ? _lastAcknowledged : _slotConfirmed;
            long? lagBytes = _serverWal == NpgsqlLogSequenceNumber.Invalid || acknowledged == NpgsqlLogSequenceNumber.Invalid
                ? null
                : Math.Max(0, (long)((ulong)_serverWal - Math.Min((ulong)_serverWal, (ulong)acknowledged)));
            var lagSeconds = _pendingSince is { } since ? Math.Max(0, (now.UtcDateTime - since).TotalSeconds) : 0;
            return new SyncStatus
            {
                At = now,
                Phase = _phase == SyncPhase.Streaming && _failingSince is not null ? SyncPhase.Retrying : _phase,
                PhaseSince = _phaseSince,
                StartedAt = _startedAt,
                Slot = Slot,
                Publication = Publication,
                LastAcknowledgedLsn = _lastAcknowledged,
                SearchableThroughLsn = _searchableThrough,
                ServerWalLsn = _serverWal,
                LagBytes = lagBytes,
                LagSeconds = lagSeconds,
                LastFlushAt = _lastFlushAt,
                LastError = _lastError,
                FailingSince = _failingSince,
                Restarts = _restarts,
                SlotWalStatus = _slotWalStatus,
                SlotRetainedWalBytes = _slotRetained,
                SlotSpilledTransactions = _slotSpilledTransactions,
                SlotSpilledBytes = _slotSpilledBytes,
                SlotStreamedTransactions = _slotStreamedTransactions,
                SlotStreamedBytes = _slotStreamedBytes,
                DeadLettersPending = _deadLettersPending,
                ChannelDepth = depth?.Invoke() ?? 0,
                Backfills = _backfills.Select(c => c.ToProgress()).ToList(),
                Collections = _collections.Values.Select(c => c.ToProgress()).ToList(),
            };
        }
    }

    /// <summary>Completes once every change committed before <paramref name="lsn"/> is in Typesense or in the dead-letter
    /// store (<see cref="SearchableThrough"/> reached it), across pipeline restarts.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task WaitForSearchableAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
    {
        lsn = PageStartIfInHeader(lsn);
        var waiter = (lsn, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            if (_searchableThrough >= lsn)
            {
                return Task.CompletedTask;
            }
            _waiters.Add(waiter);
        }
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    _waiters.Remove(waiter);
                }
                waiter.Item2.TrySetCanceled(cancellationToken);
            });
            _ = waiter.Item2.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return waiter.Item2.Task;
    }

    /// <summary>
    /// <paramref name="lsn"/>, or the start of its WAL page when it points just past the page's 24-byte header: no record ends
    /// there (one that reaches into the page ends after its first byte of data), but <c>pg_current_wal_insert_lsn()</c> after
    /// a commit that ended on the page boundary points there, which no transaction end would ever reach.
    /// </summary>
    /// <remarks>WAL pages are XLOG_BLCKSZ (8 kB) long in every usual build, with a 24-byte header (40 on a segment's first
    /// page, which is left alone: a record may end at offset 40 of other pages). https://www.postgresql.org/docs/15/wal-internals.html</remarks>
    internal static NpgsqlLogSequenceNumber PageStartIfInHeader(NpgsqlLogSequenceNumber lsn)
    {
        const ulong PageSize = 8192, ShortHeader = 24;
        return (ulong)lsn % PageSize == ShortHeader ? new NpgsqlLogSequenceNumber((ulong)lsn - ShortHeader) : lsn;
    }

    /// <summary>The counters of <paramref name="collection"/>, created on first use.</summary>
    internal CollectionCounters Collection(string collection, string table)
    {
        lock (_gate)
        {
            if (!_collections.TryGetValue(collection, out var counters))
            {
                counters = new CollectionCounters(collection, table);
                _collections.Add(collection, counters);
            }
            return counters;
        }
    }

    /// <summary>Enters <paramref name="phase"/>; streaming means the start-up checks passed, so failures are over.</summary>
    internal void SetPhase(SyncPhase phase)
    {
        lock (_gate)
        {
            if (_phase is SyncPhase.Stopping or SyncPhase.Stopped && phase is not SyncPhase.Stopped)
            {
                return;
            }
            if (phase == SyncPhase.Streaming)
            {
                ClearFailure();
            }
            if (_phase != phase)
            {
                _phase = phase;
                _phaseSince = _time.GetUtcNow();
            }
        }
    }

    /// <summary>The pipeline failed with <paramref name="error"/> and restarts.</summary>
    internal void Restarting(string error)
    {
        lock (_gate)
        {
            _restarts++;
            Fail(error);
            if (_phase is not (SyncPhase.Stopping or SyncPhase.Stopped) && _phase != SyncPhase.Retrying)
            {
                _phase = SyncPhase.Retrying;
                _phaseSince = _time.GetUtcNow();
            }
        }
    }

    /// <summary>A request failed with <paramref name="error"/> and is retried.</summary>
    internal void Failing(string error)
    {
        lock (_gate)
        {
            Fail(error);
        }
    }

    /// <summary>The backfill of <paramref name="table"/> into <paramref name="collection"/> starts (or resumes with
    /// <paramref name="rowsDone"/> rows already written), with about <paramref name="rowsEstimate"/> rows.</summary>
    internal void BackfillStarted(string table, string collection, long rowsDone, long? rowsEstimate)
    {
        lock (_gate)
        {
            var backfill = FindBackfill(table);
            backfill.Collection = collection;
            Interlocked.Exchange(ref backfill.RowsDone, rowsDone);
            backfill.RowsEstimate = rowsEstimate;
            backfill.StartedAt = _time.GetUtcNow();
            backfill.FinishedAt = null;
        }
    }

    /// <summary><paramref name="rows"/> more rows of <paramref name="table"/> were written by its backfill.</summary>
    internal void RowsBackfilled(string table, long rows) => Interlocked.Add(ref FindBackfill(table).RowsDone, rows);

    /// <summary>Every row of <paramref name="table"/> was written by its backfill.</summary>
    internal void BackfillFinished(string table)
    {
        lock (_gate)
        {
            FindBackfill(table).FinishedAt = _time.GetUtcNow();
        }
    }

    /// <summary>The reader handed on a transaction ending at <paramref name="endLsn"/>, committed at <paramref name="committedAt"/> (UTC).</summary>
    internal void CommitReceived(NpgsqlLogSequenceNumber endLsn, DateTime committedAt)
    {
        lock (_gate)
        {
            _lastCommitReceived = endLsn;
            _pendingSince ??= committedAt;
        }
    }

    /// <summary>A batch is in Typesense; <paramref name="transactionEndLsn"/> is the end of the last transaction it completes
    /// (<see cref="NpgsqlLogSequenceNumber.Invalid"/> when none), committed at <paramref name="lastCommitAt"/>.</summary>
    internal void Flushed(NpgsqlLogSequenceNumber transactionEndLsn, DateTime? lastCommitAt)
    {
        List<TaskCompletionSource>? done;
        lock (_gate)
        {
            _lastFlushAt = _time.GetUtcNow();
            ClearFailure();
            if (transactionEndLsn == NpgsqlLogSequenceNumber.Invalid)
            {
                return;
            }
            // Later transactions still in flight committed after the one just flushed: its commit time bounds their lag.
            _pendingSince = _lastCommitReceived > transactionEndLsn ? lastCommitAt ?? _pendingSince : null;
            done = Advance(transactionEndLsn);
        }
        Complete(done);
    }

    /// <summary><paramref name="lsn"/> was acknowledged to PostgreSQL: everything before it is searchable.</summary>
    internal void Acknowledged(NpgsqlLogSequenceNumber lsn)
    {
        List<TaskCompletionSource>? done;
        lock (_gate)
        {
            _lastAcknowledged = lsn;
            if (_lastCommitReceived <= lsn)
            {
                _pendingSince = null;
            }
            done = Advance(lsn);
        }
        Complete(done);
    }

    /// <summary>What the last poll of the source read: the server's WAL position and the slot (null fields when it does not exist).</summary>
    internal void SourcePolled(NpgsqlLogSequenceNumber serverWal, NpgsqlLogSequenceNumber? slotConfirmed, string? walStatus, long? retainedBytes)
    {
        lock (_gate)
        {
            _serverWal = serverWal;
            _slotConfirmed = slotConfirmed ?? NpgsqlLogSequenceNumber.Invalid;
            _slotWalStatus = walStatus;
            _slotRetained = retainedBytes;
        }
    }

    /// <summary>What the last poll read of the slot's statistics (null while it has none): transactions and bytes its
    /// WAL sender spilled to disk, and those it streamed before their commit.</summary>
    internal void SlotStatisticsPolled(long? spilledTransactions, long? spilledBytes, long? streamedTransactions, long? streamedBytes)
    {
        lock (_gate)
        {
            _slotSpilledTransactions = spilledTransactions;
            _slotSpilledBytes = spilledBytes;
            _slotStreamedTransactions = streamedTransactions;
            _slotStreamedBytes = streamedBytes;
        }
    }

    /// <summary>The dead-letter store holds <paramref name="pending"/> dead letters not yet retried.</summary>
    internal void DeadLettersCounted(long pending)
    {
        lock (_gate)
        {
            _deadLettersPending = pending;
        }
    }

    /// <summary><paramref name="count"/> documents of <paramref name="collection"/> went to the dead-letter store.</summary>
    internal void DeadLettered(CollectionCounters collection, int count)
    {
        Interlocked.Add(ref collection.DeadLetters, count);
        lock (_gate)
        {
            _deadLettersPending += count;
        }
    }

    /// <summary>Reads the channel's depth from <paramref name="depth"/> (each pipeline run has its own channel).</summary>
    internal void AttachChannel(Func<int>? depth) => _channelDepth = depth;

    private BackfillState FindBackfill(string table)
    {
        lock (_gate)
        {
            var backfill = _backfills.Find(c => c.Table == table);
            if (backfill is null)
            {
                backfill = new BackfillState(table);
                _backfills.Add(backfill);
            }
            return backfill;
        }
    }

    private void Fail(string error)
    {
        _lastError = error;
        _failingSince ??= _time.GetUtcNow();
    }

    private void ClearFailure()
    {
        _lastError = null;
        _failingSince = null;
    }

    /// <summary>Moves <see cref="_searchableThrough"/> forward (never back) and takes the waiters it satisfies. Under <see cref="_gate"/>.</summary>
    private List<TaskCompletionSource>? Advance(NpgsqlLogSequenceNumber lsn)
    {
        if (lsn <= _searchableThrough)
        {
            return null;
        }
        _searchableThrough = lsn;
        List<TaskCompletionSource>? done = null;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Lsn <= lsn)
            {
                (done ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        return done;
    }

    private static void Complete(List<TaskCompletionSource>? done)
    {
        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>The backfill of one table; <see cref="RowsDone"/> is written with <see cref="Interlocked"/>, the rest under the state's lock.</summary>
    private sealed class BackfillState(string table)
    {
        public string Table { get; } = table;

        public string? Collection { get; set; }

        public long RowsDone;

        public long? RowsEstimate { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? FinishedAt { get; set; }

        public BackfillProgress ToProgress() => new()
        {
            Table = Table,
            Collection = Collection,
            RowsDone = Interlocked.Read(ref RowsDone),
            RowsEstimate = RowsEstimate,
            StartedAt = StartedAt,
            FinishedAt = FinishedAt,
        };
    }
}

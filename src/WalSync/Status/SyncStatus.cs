using System.Globalization;
using NpgsqlTypes;

namespace WalSync.Status;

/// <summary>
/// A snapshot of a running WalSync, taken by <see cref="SyncState.Snapshot"/>: what it does, where it is in the WAL, how
/// far behind, and what it wrote. The executable serves it as <c>GET /status</c> and derives <c>/readyz</c> from it.
/// </summary>
public sealed class SyncStatus
{
    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>What WalSync is doing; <see cref="SyncPhase.Retrying"/> also while a failing Typesense request is retried
    /// inside a flush.</summary>
    public required SyncPhase Phase { get; init; }

    /// <summary>Since when the phase holds.</summary>
    public required DateTimeOffset PhaseSince { get; init; }

    /// <summary>When this process started syncing.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The replication slot (<c>Postgres:Slot</c>).</summary>
    public required string Slot { get; init; }

    /// <summary>The publication (<c>Postgres:Publication</c>).</summary>
    public required string Publication { get; init; }

    /// <summary>The last LSN acknowledged to PostgreSQL; <see cref="NpgsqlLogSequenceNumber.Invalid"/> before the first.</summary>
    public NpgsqlLogSequenceNumber LastAcknowledgedLsn { get; init; }

    /// <summary>Every change committed before this LSN is in Typesense or in the dead-letter store (flushed or acknowledged);
    /// what <c>/wait</c> compares with.</summary>
    public NpgsqlLogSequenceNumber SearchableThroughLsn { get; init; }

    /// <summary>The server's current WAL position as last read (<c>pg_current_wal_lsn()</c>, every few seconds);
    /// <see cref="NpgsqlLogSequenceNumber.Invalid"/> while unknown.</summary>
    public NpgsqlLogSequenceNumber ServerWalLsn { get; init; }

    /// <summary>Replication lag in bytes: the server's WAL position minus the acknowledged one; null while either is unknown.</summary>
    public long? LagBytes { get; init; }

    /// <summary>Replication lag in seconds: zero when every transaction received is flushed, else now minus the commit time
    /// of the last flushed transaction (or of the first one received after it, when that is later).</summary>
    public double LagSeconds { get; init; }

    /// <summary>When a batch was last written to Typesense.</summary>
    public DateTimeOffset? LastFlushAt { get; init; }

    /// <summary>The last failure (PostgreSQL, Typesense) while it lasts; null once WalSync works again.</summary>
    public string? LastError { get; init; }

    /// <summary>Since when WalSync has been failing without a success in between; null when it is not.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Pipeline restarts after transient failures since this process started.</summary>
    public int Restarts { get; init; }

    /// <summary>The slot's <c>wal_status</c> (reserved, extended, unreserved, lost) as last read; null while unknown or when the
    /// slot does not exist yet.</summary>
    public string? SlotWalStatus { get; init; }

    /// <summary>WAL the slot makes the server keep, in bytes (current position minus <c>restart_lsn</c>), as last read.</summary>
    public long? SlotRetainedWalBytes { get; init; }

    /// <summary>Transactions the slot's WAL sender spilled to disk because they outgrew <c>logical_decoding_work_mem</c>
    /// while being decoded (<c>spill_txns</c> of <c>pg_stat_replication_slots</c>, counted since the slot's statistics were
    /// last reset), as last read; null while unknown.</summary>
    /// <remarks>https://www.postgresql.org/docs/15/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-SLOTS-VIEW</remarks>
    public long? SlotSpilledTransactions { get; init; }

    /// <summary>Bytes of decoded changes the slot's WAL sender spilled to disk (<c>spill_bytes</c> of
    /// <c>pg_stat_replication_slots</c>), as last read; null while unknown.</summary>
    public long? SlotSpilledBytes { get; init; }

    /// <summary>Transactions the slot's WAL sender streamed to WalSync before their commit, because they outgrew
    /// <c>logical_decoding_work_mem</c> (<c>stream_txns</c> of <c>pg_stat_replication_slots</c>; WalSync keeps them in
    /// <c>$TMPDIR</c> until their commit, <c>Postgres:StreamLargeTransactions</c>), as last read; null while unknown.</summary>
    public long? SlotStreamedTransactions { get; init; }

    /// <summary>Bytes of decoded changes the slot's WAL sender streamed before their transaction's commit
    /// (<c>stream_bytes</c> of <c>pg_stat_replication_slots</c>), as last read; null while unknown.</summary>
    public long? SlotStreamedBytes { get; init; }

    /// <summary>Dead letters not yet retried in the dead-letter store, as last counted; null while unknown.</summary>
    public long? DeadLettersPending { get; init; }

    /// <summary>Changes waiting in the channel between the reader and the batcher.</summary>
    public int ChannelDepth { get; init; }

    /// <summary>Each backfill of this run (a first fill, a table added later, a rebuild), in the order they started; empty when none ran.</summary>
    public IReadOnlyList<BackfillProgress> Backfills { get; init; } = [];

    /// <summary>What went to each configured collection since this process started.</summary>
    public IReadOnlyList<CollectionProgress> Collections { get; init; } = [];

    /// <summary>
    /// Whether WalSync is doing its work: streaming, and not failing for <paramref name="unreadyAfter"/> or
    /// longer. Starting, waiting as a standby, stopping and failing past the threshold are not ready.
    /// </summary>
    /// <param name="unreadyAfter">How long failures may last before WalSync is not ready (<c>Http:UnreadyAfter</c>).</param>
    /// <param name="reason">Why it is not ready; null when it is.</param>
    public bool IsReady(TimeSpan unreadyAfter, out string? reason)
    {
        reason = Phase switch
        {
            SyncPhase.Starting => "starting: checking PostgreSQL, the slot and the collections",
            SyncPhase.Standby => $"standby: another process streams from slot '{Slot}'",
            SyncPhase.Stopping or SyncPhase.Stopped => "stopping",
            _ when FailingSince is { } since && At - since >= unreadyAfter =>
                $"retrying for {(At - since).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s: {LastError}",
            _ => null,
        };
        return reason is null;
    }
}

using NpgsqlTypes;

namespace WalSync.Replication;

/// <summary>
/// One decoded change, owning all of its data: nothing in it refers to Npgsql's reused message objects,
/// so it can cross the channel to another thread.
/// </summary>
/// <remarks>A struct so that the bounded channel stores changes without an allocation of their own; the row
/// images are the only per-row allocation.</remarks>
internal readonly record struct ChangeEvent
{
    /// <summary>What this change is.</summary>
    public required ChangeKind Kind { get; init; }

    /// <summary>The relation as of this change (a snapshot of the last Relation message); null for <see cref="ChangeKind.Commit"/> and <see cref="ChangeKind.Truncate"/>.</summary>
    public RelationInfo? Relation { get; init; }

    /// <summary>The new row of an insert or update.</summary>
    public RowImage NewRow { get; init; }

    /// <summary>The old key ('K') or old row ('O') of an update or delete; <see cref="RowImage.IsEmpty"/> when PostgreSQL sent none.</summary>
    public RowImage OldRow { get; init; }

    /// <summary>The truncated relations of a <see cref="ChangeKind.Truncate"/>.</summary>
    public IReadOnlyList<RelationInfo>? TruncatedRelations { get; init; }

    /// <summary>The LSN of a row change's WAL record (recorded with dead letters); <see cref="NpgsqlLogSequenceNumber.Invalid"/>
    /// for rows of the snapshot copy and for commits.</summary>
    public NpgsqlLogSequenceNumber Lsn { get; init; }

    /// <summary>For <see cref="ChangeKind.Commit"/>, the transaction's end LSN (<c>CommitMessage.TransactionEndLsn</c>), the
    /// only kind of LSN ever acknowledged. <see cref="NpgsqlLogSequenceNumber.Invalid"/> otherwise.</summary>
    public NpgsqlLogSequenceNumber TransactionEndLsn { get; init; }

    /// <summary>For <see cref="ChangeKind.Commit"/>, the transaction's id (32 bits, from its Begin message).</summary>
    public uint TransactionId { get; init; }

    /// <summary>For <see cref="ChangeKind.Watermark"/>, the watermark's content (<c>run:chunk:L</c> or <c>run:chunk:H</c>).</summary>
    public string? Watermark { get; init; }

    /// <summary>For <see cref="ChangeKind.Commit"/>, the commit time (UTC) PostgreSQL recorded.</summary>
    public DateTime CommitTimestamp { get; init; }
}

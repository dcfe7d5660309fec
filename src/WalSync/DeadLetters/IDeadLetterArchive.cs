namespace WalSync.DeadLetters;

/// <summary>A dead-letter store whose dead letters can be read back and marked once retried
/// (<c>walsync dead-letters list|retry</c>); the pipeline itself only writes.</summary>
public interface IDeadLetterArchive : IDeadLetterStore
{
    /// <summary>The stored dead letters matching <paramref name="query"/>, oldest first; empty when the storage does not exist yet.</summary>
    Task<IReadOnlyList<StoredDeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>The dead letters not yet retried, counted by table (<c>schema.table</c>); empty when there are none or the
    /// storage does not exist yet.</summary>
    Task<IReadOnlyDictionary<string, long>> CountPendingAsync(CancellationToken cancellationToken);

    /// <summary>Marks the dead letters with these <see cref="StoredDeadLetter.Id"/>s as retried at <paramref name="retriedAt"/>;
    /// unknown ids are ignored. The marks are durable when the task completes.</summary>
    Task MarkRetriedAsync(IReadOnlyCollection<string> ids, DateTimeOffset retriedAt, CancellationToken cancellationToken);
}

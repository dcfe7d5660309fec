namespace WalSync.DeadLetters;

/// <summary>Durable storage for <see cref="DeadLetter"/>s; a write completes before the LSN of its change is acknowledged.</summary>
public interface IDeadLetterStore
{
    /// <summary>Creates the storage when missing.</summary>
    /// <exception cref="Configuration.ConfigurationException">The storage cannot be created (privileges, path); the message says how to fix it.</exception>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="deadLetters"/> durably: when the task completes they survive a crash.</summary>
    Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);

    /// <summary>The stored dead letters matching <paramref name="query"/>, oldest first; empty when the storage does not exist yet.</summary>
    Task<IReadOnlyList<StoredDeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>Marks the dead letters with these <see cref="StoredDeadLetter.Id"/>s as retried at <paramref name="retriedAt"/>;
    /// unknown ids are ignored. The marks are durable when the task completes.</summary>
    Task MarkRetriedAsync(IReadOnlyCollection<string> ids, DateTimeOffset retriedAt, CancellationToken cancellationToken);
}

namespace WalSync.DeadLetters;

/// <summary>Durable storage for <see cref="DeadLetter"/>s; a write completes before the LSN of its change is acknowledged.</summary>
public interface IDeadLetterStore
{
    /// <summary>Creates the storage when missing.</summary>
    /// <exception cref="Configuration.ConfigurationException">The storage cannot be created (privileges, path); the message says how to fix it.</exception>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="deadLetters"/> durably: when the task completes they survive a crash.</summary>
    Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);
}

using WalSync.DeadLetters;

namespace WalSync.Tests.Pipeline;

/// <summary>A dead-letter store that keeps what it is given in <see cref="Letters"/>.</summary>
internal sealed class MemoryDeadLetterStore : IDeadLetterStore
{
    public List<DeadLetter> Letters { get; } = [];

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        lock (Letters)
        {
            Letters.AddRange(deadLetters);
        }
        return Task.CompletedTask;
    }
}

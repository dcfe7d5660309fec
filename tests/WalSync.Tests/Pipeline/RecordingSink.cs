using NpgsqlTypes;
using WalSync.Pipeline;

namespace WalSync.Tests.Pipeline;

/// <summary>An <see cref="IBatchSink"/> that keeps every collection's changes it was given, and notes what the source
/// had acknowledged at each; it can be told to fail a write.</summary>
internal sealed class RecordingSink : IBatchSink
{
    private readonly List<CollectionBatch> _writes = [];

    /// <summary>Read at each write: the acknowledgements so far.</summary>
    public Func<IReadOnlyList<NpgsqlLogSequenceNumber>>? Acknowledged { get; init; }

    /// <summary>The write (1 = first) that throws instead of writing, or 0.</summary>
    public int FailFlush { get; init; }

    public List<IReadOnlyList<NpgsqlLogSequenceNumber>> AcknowledgedAtFlush { get; } = [];

    public IReadOnlyList<CollectionBatch> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    public Task<long> FlushAsync(CollectionBatch changes, CancellationToken cancellationToken)
    {
        lock (_writes)
        {
            AcknowledgedAtFlush.Add(Acknowledged?.Invoke() ?? []);
            if (_writes.Count + 1 == FailFlush)
            {
                throw new HttpRequestException("Typesense is down");
            }
            _writes.Add(changes);
        }
        return Task.FromResult(0L);
    }
}

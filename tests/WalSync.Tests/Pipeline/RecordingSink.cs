using NpgsqlTypes;
using WalSync.Pipeline;

namespace WalSync.Tests.Pipeline;

/// <summary>An <see cref="IBatchSink"/> that keeps every batch, and notes what the source had acknowledged when each
/// batch arrived; it can be told to fail a flush.</summary>
internal sealed class RecordingSink : IBatchSink
{
    private readonly List<Batch> _batches = [];

    /// <summary>Read at each flush: the acknowledgements so far.</summary>
    public Func<IReadOnlyList<NpgsqlLogSequenceNumber>>? Acknowledged { get; init; }

    /// <summary>The flush (1 = first) that throws instead of writing, or 0.</summary>
    public int FailFlush { get; init; }

    public List<IReadOnlyList<NpgsqlLogSequenceNumber>> AcknowledgedAtFlush { get; } = [];

    public IReadOnlyList<Batch> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    public Task FlushAsync(Batch batch, CancellationToken cancellationToken)
    {
        lock (_batches)
        {
            AcknowledgedAtFlush.Add(Acknowledged?.Invoke() ?? []);
            if (_batches.Count + 1 == FailFlush)
            {
                throw new HttpRequestException("Typesense is down");
            }
            _batches.Add(batch);
        }
        return Task.CompletedTask;
    }
}

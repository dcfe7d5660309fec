using NpgsqlTypes;
using WalSync.Mapping;

namespace WalSync.Pipeline;

/// <summary>A batch cut by the <see cref="Batcher"/>: the changes per collection and the LSN it makes safe to acknowledge.</summary>
internal sealed class Batch
{
    private readonly IReadOnlyDictionary<string, int>? _expectedChanges;

    /// <summary>Creates an empty batch.</summary>
    /// <param name="expectedChanges">Per collection name, how many document changes to make room for at once (the
    /// previous batch's count), read while the batch is filled; null for none. A dictionary grown from empty allocates
    /// about twice its final size in arrays on the way: a third of what batching allocated per change
    /// (benchmarks/README.md, "Micro-benchmarks").</param>
    public Batch(IReadOnlyDictionary<string, int>? expectedChanges = null) => _expectedChanges = expectedChanges;

    /// <summary>The changes per collection name.</summary>
    public Dictionary<string, CollectionBatch> Collections { get; } = new(StringComparer.Ordinal);

    /// <summary>Row changes folded into this batch (before coalescing); a batch is cut at <c>Batch:MaxRows</c>.</summary>
    public int Rows { get; set; }

    /// <summary>The end LSN of the last transaction whose Commit is in this batch (or the consistent point, for the batch
    /// that ends the snapshot copy); <see cref="NpgsqlLogSequenceNumber.Invalid"/> when the batch completes no transaction
    /// (a slice of a large one). The <see cref="Checkpointer"/> acknowledges it once the whole batch is flushed.</summary>
    public NpgsqlLogSequenceNumber TransactionEndLsn { get; set; } = NpgsqlLogSequenceNumber.Invalid;

    /// <summary>The commit time (UTC) of each transaction whose Commit is in this batch, in commit order.</summary>
    public List<DateTime> CommitTimes { get; } = [];
    /// <summary>Backfill chunks whose rows this batch holds (or that must be read again); they are done once it is flushed.</summary>
    public List<BackfillChunk> Chunks { get; } = [];

    /// <summary>The batch for <paramref name="table"/>'s collection, created on first use.</summary>
    public CollectionBatch For(TableBinding table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!Collections.TryGetValue(table.Collection, out var batch))
        {
            batch = new CollectionBatch(table, _expectedChanges?.GetValueOrDefault(table.Collection) ?? 0);
            Collections.Add(table.Collection, batch);
        }
        return batch;
    }
}

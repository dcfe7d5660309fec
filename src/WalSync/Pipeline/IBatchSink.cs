namespace WalSync.Pipeline;

/// <summary>Where batches go: <c>TypesenseSink</c> in WalSync, a recording sink in tests.</summary>
internal interface IBatchSink
{
    /// <summary>Writes every change of one collection of a batch, returning only when all of it is in the destination or
    /// in the dead-letter store; throws otherwise, and then nothing of the batch counts as flushed. Called by the
    /// <see cref="BatchFlusher"/>, which never writes one collection twice at once; other collections may be written
    /// meanwhile.</summary>
    /// <returns>The bytes sent (0 when unknown).</returns>
    Task<long> FlushAsync(CollectionBatch changes, CancellationToken cancellationToken);

    /// <summary>Does ahead the part of writing <paramref name="changes"/> that waits for nothing (rendering documents), while
    /// the <see cref="BatchFlusher"/> still writes an earlier batch of the same collection; <see cref="FlushAsync"/> then
    /// uses what it made. Sends nothing. Called at most once per collection batch, and ended before its flush starts.</summary>
    void Prepare(CollectionBatch changes)
    {
    }
}

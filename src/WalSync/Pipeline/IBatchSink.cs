namespace WalSync.Pipeline;

/// <summary>Where batches go: <c>TypesenseSink</c> in WalSync, a recording sink in tests.</summary>
internal interface IBatchSink
{
    /// <summary>Writes every change of <paramref name="batch"/>, returning only when all of it is in the destination or in
    /// the dead-letter store; throws otherwise, and then nothing of the batch counts as flushed.</summary>
    Task FlushAsync(Batch batch, CancellationToken cancellationToken);
}

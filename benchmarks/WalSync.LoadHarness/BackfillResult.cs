namespace WalSync.LoadHarness;

/// <summary>The backfill workload's figures.</summary>
/// <param name="Rows">Rows in the table.</param>
/// <param name="Copy">a: the faster <c>\copy … to /dev/null</c> of the table.</param>
/// <param name="NullSink">b: the faster walsync backfill into the null sink (by <see cref="BackfillFill.Backfill"/>), with the larger peak RSS of the two.</param>
/// <param name="ChunkRows">Backfill:ChunkRows of the walsync runs; null for walsync's default.</param>
/// <param name="Check">"ok" when each walsync run reported and sent every row once, else what differs.</param>
internal sealed record BackfillResult(long Rows, TimeSpan Copy, BackfillFill NullSink, int? ChunkRows, string Check)
{
    /// <summary>Rows per second for <paramref name="elapsed"/>.</summary>
    public double Rate(TimeSpan elapsed) => Rows / elapsed.TotalSeconds;
}

namespace WalSync.LoadHarness;

/// <summary>One live latency run's figures.</summary>
/// <param name="FlushInterval">Batch:FlushInterval of the run.</param>
/// <param name="Changes">Rows measured: inserted after the warm-up (and, during a backfill, before its end).</param>
/// <param name="AchievedRate">Inserted rows per second over the run.</param>
/// <param name="P50">Median commit → visible latency.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Largest.</param>
/// <param name="PeakRss">Peak RSS of walsync, bytes.</param>
/// <param name="BackfillRows">Rows of the table walsync backfilled meanwhile; 0 for none.</param>
/// <param name="Backfill">From the end of the warm-up to the backfill's done line; null when it did not end before the inserts did.</param>
internal sealed record LatencyResult(TimeSpan FlushInterval, long Changes, double AchievedRate, TimeSpan P50, TimeSpan P95, TimeSpan P99, TimeSpan Max, long PeakRss,
    long BackfillRows = 0, TimeSpan? Backfill = null)
{
    /// <summary>The target: p99 at most the flush interval plus 250 ms.</summary>
    public TimeSpan Target => FlushInterval + TimeSpan.FromMilliseconds(250);
}

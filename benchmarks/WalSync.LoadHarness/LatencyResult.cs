namespace WalSync.LoadHarness;

/// <summary>One live latency run's figures.</summary>
/// <param name="FlushInterval">Batch:FlushInterval of the run.</param>
/// <param name="Changes">Rows inserted.</param>
/// <param name="AchievedRate">Inserted rows per second over the run.</param>
/// <param name="P50">Median commit → visible latency.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Largest.</param>
/// <param name="PeakRss">Peak RSS of walsync, bytes.</param>
internal sealed record LatencyResult(TimeSpan FlushInterval, long Changes, double AchievedRate, TimeSpan P50, TimeSpan P95, TimeSpan P99, TimeSpan Max, long PeakRss)
{
    /// <summary>The target: p99 at most the flush interval plus 250 ms.</summary>
    public TimeSpan Target => FlushInterval + TimeSpan.FromMilliseconds(250);
}

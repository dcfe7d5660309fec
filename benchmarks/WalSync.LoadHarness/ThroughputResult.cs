namespace WalSync.LoadHarness;

/// <summary>One throughput workload's figures.</summary>
/// <param name="Workload">The workload.</param>
/// <param name="Baseline">a: pg_recvlogical's time to drain the slot.</param>
/// <param name="NullSink">b: walsync into the null sink.</param>
/// <param name="Emulator">c: walsync into the emulator.</param>
/// <param name="Check">"ok" when the emulator holds as many documents as the table has rows, else what differs.</param>
internal sealed record ThroughputResult(Workload Workload, TimeSpan Baseline, DrainResult NullSink, DrainResult Emulator, string Check)
{
    /// <summary>Changes per second for <paramref name="elapsed"/>.</summary>
    public double Rate(TimeSpan elapsed) => Workload.Changes / elapsed.TotalSeconds;
}

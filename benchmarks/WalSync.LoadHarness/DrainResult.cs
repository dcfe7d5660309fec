namespace WalSync.LoadHarness;

/// <summary>One walsync run over a workload.</summary>
/// <param name="Elapsed">From its start of streaming to the end LSN acknowledged.</param>
/// <param name="Cpu">CPU time walsync used in that span (all threads).</param>
/// <param name="PeakRss">Peak resident set size of the process, bytes.</param>
/// <param name="WalSenderCpu">CPU time the WAL sender serving walsync used, from its start to the end LSN acknowledged.</param>
internal sealed record DrainResult(TimeSpan Elapsed, TimeSpan Cpu, long PeakRss, TimeSpan WalSenderCpu = default);

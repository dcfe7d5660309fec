namespace WalSync.LoadHarness;

/// <summary>One walsync run over a workload.</summary>
/// <param name="Elapsed">From its start of streaming to the end LSN acknowledged.</param>
/// <param name="Cpu">CPU time walsync used in that span (all threads).</param>
/// <param name="PeakRss">Peak resident set size of the process, bytes.</param>
/// <param name="WalSenderCpu">CPU time the WAL sender serving walsync used, from its start to the end LSN acknowledged.</param>
/// <param name="SpilledBytes">What that WAL sender spilled to disk (<c>pg_stat_replication_slots.spill_bytes</c> of the slot), in bytes.</param>
/// <param name="StreamedBytes">What it streamed before their commits (<c>pg_stat_replication_slots.stream_bytes</c>), in bytes.</param>
/// <param name="StartUp">From its process start to its start of streaming.</param>
internal sealed record DrainResult(TimeSpan Elapsed, TimeSpan Cpu, long PeakRss, TimeSpan WalSenderCpu = default, long SpilledBytes = 0,
    long StreamedBytes = 0, TimeSpan StartUp = default)
{
    /// <summary>From its process start to the end LSN acknowledged: what <c>pg_recvlogical</c>'s time includes too.</summary>
    public TimeSpan FromStart => StartUp + Elapsed;
}

namespace WalSync.LoadHarness;

/// <summary>One walsync run that backfills a table on its first start with a new slot.</summary>
/// <param name="FromStart">From the process start to its "Backfill … done" line: start-up, slot, planning and backfill.</param>
/// <param name="Backfill">From its "Backfill … starts after" line to its "Backfill … done" line: the backfill alone.</param>
/// <param name="Cpu">CPU time walsync used between those two lines (all threads).</param>
/// <param name="PeakRss">Peak resident set size of the process up to the done line, bytes.</param>
/// <param name="Rows">Rows the done line reports.</param>
/// <param name="Documents">Documents the sink received.</param>
internal sealed record BackfillFill(TimeSpan FromStart, TimeSpan Backfill, TimeSpan Cpu, long PeakRss, long Rows, long Documents);

using System.Globalization;
using System.Text;

namespace WalSync.LoadHarness;

/// <summary>The result tables in Markdown.</summary>
internal static class Report
{
    /// <summary>Formats the results of one harness run.</summary>
    /// <param name="options">The command line.</param>
    /// <param name="postgresVersion">The server's version.</param>
    /// <param name="load">The 1-minute load average when the run started and when it ended.</param>
    /// <param name="throughput">The throughput workloads.</param>
    /// <param name="backfill">The backfill workload, or null.</param>
    /// <param name="latency">The live latency runs.</param>
    public static string Format(HarnessOptions options, string postgresVersion, (double Start, double End) load, IReadOnlyList<ThroughputResult> throughput,
        BackfillResult? backfill, IReadOnlyList<LatencyResult> latency)
    {
        var text = new StringBuilder();
        Line(text, $"WalSync load harness, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(options.Quick ? ", --quick" : "")}{(options.Otlp ? ", --otlp" : "")}{(options.Values is { } values ? $", --values {values}" : "")}{(options.DecodingWorkMem is { } workMem ? $", --decoding-work-mem {workMem}" : "")}{string.Concat(options.ChildEnvironment.Select(e => $", --env {e.Key}={e.Value}"))}: " +
            $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, PostgreSQL {postgresVersion}, .NET {Environment.Version}; " +
            string.Create(CultureInfo.InvariantCulture, $"load average {load.Start:F1} at the start, {load.End:F1} at the end."));
        if (throughput.Count > 0)
        {
            Line(text, "");
            Line(text, "Throughput in row changes per second (time in parentheses): a = pg_recvlogical draining the slot (the WAL sender's limit), " +
                "b = walsync into a sink that accepts everything at once, c = walsync into the Typesense emulator; a and b ran twice (a, b, c, a, b) " +
                "and the faster run of each counts; b/a from start counts walsync's start-up too (process start to streaming), as a counts pg_recvlogical's. walsync CPU is per change, while streaming (JIT included); WAL sender CPU is per change, " +
                "of the server process that served b (its whole life), with what it spilled to disk or streamed before commits (pg_stat_replication_slots), if anything.");
            Line(text, "");
            Line(text, "| Workload | a: pg_recvlogical | b: walsync → null sink | c: walsync → emulator | b/a | b/a from start | c/a | walsync CPU/change b, c | WAL sender CPU/change b | Peak RSS b, c | Emulator check |");
            Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var r in throughput)
            {
                Line(text, $"| {r.Workload.Description} | {Rate(r, r.Baseline)} | {Rate(r, r.NullSink.Elapsed)} | {Rate(r, r.Emulator.Elapsed)} | " +
                    $"{r.Baseline / r.NullSink.Elapsed:F2} | {r.Baseline / r.NullSink.FromStart:F2} | {r.Baseline / r.Emulator.Elapsed:F2} | {Micros(r, r.NullSink.Cpu)}, {Micros(r, r.Emulator.Cpu)} | {Micros(r, r.NullSink.WalSenderCpu)}{Moved(r.NullSink)} | " +
                    $"{Megabytes(r.NullSink.PeakRss)}, {Megabytes(r.Emulator.PeakRss)} | {r.Check} |");
            }
        }
        if (backfill is { } b)
        {
            Line(text, "");
            Line(text, $"Backfill of a {b.Rows:N0}-row products table on walsync's first start with a new slot, in rows per second (time in parentheses): " +
                "a = psql \\copy of the table to /dev/null, b = walsync into the null sink, from its start and from its \"Backfill … starts after\" line " +
                $"to its \"Backfill … done\" line; Backfill:ChunkRows {(b.ChunkRows is { } chunk ? chunk.ToString("N0", CultureInfo.InvariantCulture) : "default (10,000)")}. " +
                "a and b ran twice (a, b, a, b) and the faster run of each counts. walsync CPU is per row, during the backfill.");
            Line(text, "");
            Line(text, "| Rows | a: COPY | b: walsync, backfill | b: walsync, from its start | b/a backfill | b/a from start | walsync CPU/row | Peak RSS | Check |");
            Line(text, "|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            Line(text, $"| {b.Rows:N0} | {Rate(b, b.Copy)} | {Rate(b, b.NullSink.Backfill)} | {Rate(b, b.NullSink.FromStart)} | " +
                $"{b.Copy / b.NullSink.Backfill:F2} | {b.Copy / b.NullSink.FromStart:F2} | " +
                $"{b.NullSink.Cpu.TotalMicroseconds / b.Rows:F1} µs | {Megabytes(b.NullSink.PeakRss)} | {b.Check} |");
        }
        if (latency.Count > 0)
        {
            Line(text, "");
            Line(text, $"Live latency, commit → document visible in the emulator, inserting {options.Rate:N0} rows/s for {options.LatencySeconds} s " +
                $"after a {LatencyRun.WarmUpSeconds} s warm-up (rows: those measured):");
            Line(text, "");
            Line(text, "| Flush interval | Backfill meanwhile | Rows | Achieved rate | p50 | p95 | p99 | max | p99 target | Peak RSS |");
            Line(text, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in latency)
            {
                Line(text, $"| {Ms(r.FlushInterval)} | {Meanwhile(r)} | {r.Changes:N0} | {r.AchievedRate:N0}/s | {Ms(r.P50)} | {Ms(r.P95)} | {Ms(r.P99)} | {Ms(r.Max)} | " +
                    $"≤ {Ms(r.Target)} {(r.P99 <= r.Target ? "(met)" : "(missed)")} | {Megabytes(r.PeakRss)} |");
            }
            var pairs = latency.Where(r => r.BackfillRows > 0)
                .Select(d => (During: d, Without: latency.FirstOrDefault(w => w.BackfillRows == 0 && w.FlushInterval == d.FlushInterval)))
                .Where(p => p.Without is not null).ToList();
            if (pairs.Count > 0)
            {
                Line(text, "");
                Line(text, "p99 during a backfill of the catalog table (same process, same emulator; rows from the end of the warm-up to the backfill's end) " +
                    "against p99 without:");
                Line(text, "");
                Line(text, "| Flush interval | p99 without | p99 during | during/without | target ≤ 2× |");
                Line(text, "|---:|---:|---:|---:|---|");
                foreach (var (during, without) in pairs)
                {
                    var ratio = during.P99 / without!.P99;
                    Line(text, string.Create(CultureInfo.InvariantCulture,
                        $"| {Ms(during.FlushInterval)} | {Ms(without.P99)} | {Ms(during.P99)} | {ratio:F2} | {(ratio <= 2 ? "met" : "missed")} |"));
                }
            }
        }
        return text.ToString();
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');

    private static string Rate(ThroughputResult result, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{result.Rate(elapsed):N0}/s ({elapsed.TotalSeconds:F2} s)");

    private static string Rate(BackfillResult result, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{result.Rate(elapsed):N0}/s ({elapsed.TotalSeconds:F2} s)");

    private static string Micros(ThroughputResult result, TimeSpan cpu) =>
        string.Create(CultureInfo.InvariantCulture, $"{cpu.TotalMicroseconds / result.Workload.Changes:F1} µs");

    private static string Meanwhile(LatencyResult result) => result.BackfillRows == 0 ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"{result.BackfillRows:N0} rows, ") +
          (result.Backfill is { } took ? string.Create(CultureInfo.InvariantCulture, $"{took.TotalSeconds:F1} s") : "not done by the end");

    private static string Ms(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:N0} ms");

    private static string Moved(DrainResult drain) => (drain.SpilledBytes, drain.StreamedBytes) switch
    {
        (0, 0) => "",
        (var spilled, 0) => $" (spilled {Megabytes(spilled)})",
        (0, var streamed) => $" (streamed {Megabytes(streamed)})",
        var (spilled, streamed) => $" (spilled {Megabytes(spilled)}, streamed {Megabytes(streamed)})",
    };

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1_000_000.0:N0} MB");
}

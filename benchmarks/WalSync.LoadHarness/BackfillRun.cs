using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using WalSync.Cli.Demo;

namespace WalSync.LoadHarness;

/// <summary>
/// The backfill workload: a products table written before walsync ever runs, then read whole by (a) psql's
/// <c>\copy</c> to /dev/null and (b) walsync on its first start with a new slot, into the null sink; then a and b
/// again. Of a and of b the faster run counts, as in <see cref="ThroughputRun"/>.
/// </summary>
/// <remarks>walsync creates its slot, finds no collection and backfills the table into <c>products__v1</c> behind the
/// alias <c>products</c>: keyset chunks of <c>Backfill:ChunkRows</c> rows between watermarks, each written as soon as
/// its high watermark comes back through the slot. Its time runs to its "Backfill … done" line from its start and,
/// without the start-up, from its "Backfill … starts after" line. The table is vacuumed, analysed and checkpointed
/// first, so that no reader sets hint bits or meets a checkpoint, and walsync's row estimate is right.</remarks>
internal static partial class BackfillRun
{
    private const string ApiKey = "harness";

    // No stream traffic here, and a chunk's batch goes at its high watermark: the interval plays no part.
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    /// <summary>Rows of the backfilled table: <paramref name="rows"/> when given, else at full size or at a tenth of it.</summary>
    public static int Rows(bool quick, int? rows = null) => rows ?? (quick ? 100_000 : 1_000_000);

    /// <summary>Writes the table and measures a, b, a, b.</summary>
    /// <param name="cluster">The throwaway cluster.</param>
    /// <param name="walsyncDll">The walsync.dll to run.</param>
    /// <param name="quick">A tenth of the rows.</param>
    /// <param name="chunkRows">Backfill:ChunkRows for walsync; null for its default.</param>
    /// <param name="sinkLatency">How long the null sink waits before it answers each import.</param>
    /// <param name="tableRows">Rows of the table (<c>--backfill-rows</c>); null for <see cref="Rows"/>' default.</param>
    public static async Task<BackfillResult> RunAsync(PostgresCluster cluster, string walsyncDll, bool quick, int? chunkRows, TimeSpan sinkLatency,
        int? tableRows = null)
    {
        var rows = Rows(quick, tableRows);
        await using var database = await WorkloadDatabase.CreateAsync(cluster, "load_backfill");
        Progress.Say($"backfill: writing {rows:N0} rows; a: psql \\copy");
        await WriteTableAsync(database, "products", rows);
        var copy = await CopyAsync(cluster, database, rows);
        Progress.Say($"backfill: a took {copy.TotalSeconds:F2} s; b: walsync into the null sink");
        var fill = await FillAsync(database, "null_sink", walsyncDll, chunkRows, sinkLatency);
        Progress.Say($"backfill: a again");
        var copyAgain = await CopyAsync(cluster, database, rows);
        Progress.Say($"backfill: a took {copyAgain.TotalSeconds:F2} s the second time; b again");
        var fillAgain = await FillAsync(database, "null_sink_again", walsyncDll, chunkRows, sinkLatency);
        var check = Check(rows, fill) ?? Check(rows, fillAgain) ?? "ok";
        // The faster run counts; the peak RSS is the larger of the two.
        var faster = (fillAgain.Backfill < fill.Backfill ? fillAgain : fill) with { PeakRss = Math.Max(fill.PeakRss, fillAgain.PeakRss) };
        return new BackfillResult(rows, copyAgain < copy ? copyAgain : copy, faster, chunkRows, check);
    }

    /// <summary>Inserts <paramref name="rows"/> products rows into <paramref name="table"/> (of the products table's
    /// shape), then vacuums and analyses it and checkpoints, so that what reads it next only reads.</summary>
    public static async Task WriteTableAsync(WorkloadDatabase database, string table, int rows)
    {
        await database.ExecuteAsync($"INSERT INTO {table} SELECT {Workload.RowValues} FROM generate_series(1, {rows}) g");
        await database.ExecuteAsync($"VACUUM ANALYZE {table}");
        await database.ExecuteAsync("CHECKPOINT");
    }

    /// <summary>Accepts walsync's line that says the backfill of <paramref name="table"/> (public schema) <paramref name="says"/>.</summary>
    public static Func<string, bool> BackfillLine(string table, string says) =>
        line => line.Contains($"Backfill of public.{table} into ", StringComparison.Ordinal) && line.Contains(says, StringComparison.Ordinal);

    private static async Task<TimeSpan> CopyAsync(PostgresCluster cluster, WorkloadDatabase database, int rows)
    {
        var (elapsed, copied) = await CopyExport.RunAsync(cluster, database.Name, "products");
        return copied == rows ? elapsed : throw new InvalidOperationException($"psql copied {copied} rows of {rows}.");
    }

    /// <summary>Starts walsync with the new slot <paramref name="slot"/> and a fresh null sink, and waits for the backfill to end.</summary>
    private static async Task<BackfillFill> FillAsync(WorkloadDatabase database, string slot, string walsyncDll, int? chunkRows, TimeSpan sinkLatency)
    {
        database.DropsSlot(slot);
        await using var sink = await NullTypesense.StartAsync(sinkLatency);
        await using var child = WalSyncChild.Start($"{database.Name}-{slot}", walsyncDll, database.ConnectionString, slot, sink.Url, ApiKey,
            FlushInterval, chunkRows: chunkRows);
        var (started, _) = await child.WaitForLineAsync(BackfillLine("products", " starts after "), "the start of the backfill", TimeSpan.FromMinutes(2));
        var cpuAtStart = child.CpuTime();
        var harnessCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var (done, line) = await child.WaitForLineAsync(BackfillLine("products", " done: "), "the end of the backfill", TimeSpan.FromMinutes(30));
        var cpu = child.CpuTime() - cpuAtStart;
        var rss = child.PeakRssBytes();
        var fill = new BackfillFill(Stopwatch.GetElapsedTime(child.StartedAt, done), Stopwatch.GetElapsedTime(started, done), cpu, rss,
            long.Parse(DoneRows().Match(line).Groups[1].Value, CultureInfo.InvariantCulture), sink.DocumentsReceived);
        Progress.Say($"{slot}: backfill took {fill.Backfill.TotalSeconds:F2} s ({fill.FromStart.TotalSeconds:F2} s from the start), walsync CPU " +
            $"{cpu.TotalSeconds:F2} s, the harness (sink) {(Process.GetCurrentProcess().TotalProcessorTime - harnessCpuAtStart).TotalSeconds:F2} s");
        var exit = await child.StopAsync();
        return exit == 0 ? fill : throw new InvalidOperationException($"walsync exited with {exit}:\n{child.Output}");
    }

    private static string? Check(long rows, BackfillFill fill) =>
        fill.Rows == rows && fill.Documents == rows ? null : $"{fill.Rows:N0} rows reported and {fill.Documents:N0} documents sent for {rows:N0} rows";

    [GeneratedRegex(@" done: (\d+) rows")]
    private static partial Regex DoneRows();
}

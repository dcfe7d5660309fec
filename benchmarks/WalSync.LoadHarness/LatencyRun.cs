using System.Diagnostics;
using Npgsql;
using WalSync.Cli.Demo;
using WalSync.TypesenseEmulator;

namespace WalSync.LoadHarness;

/// <summary>
/// Live latency: walsync streams into the emulator while the harness inserts products rows at a steady rate, and
/// each row's time from its commit to its document being visible is measured.
/// </summary>
/// <remarks>
/// Commit time: when the inserting transaction's COMMIT returned (synchronous_commit = on in that session, as on a
/// default server, so the WAL is flushed and the WAL sender may send it). Visible: rows are only inserted, in order,
/// and WalSync imports a collection's documents in commit order, so the k-th row is visible once the collection's
/// <c>num_documents</c> (polled every few milliseconds) reaches k; the poll's answer time is taken, which errs on
/// the late side by at most one poll. The first seconds are a warm-up and are not counted: walsync compiles its hot
/// path on the first changes, which would otherwise weigh on a short run's tail.
/// <para>During a backfill: the same, with a second table of the products shape, <c>catalog</c>, written before the
/// slot exists and configured after products, so walsync backfills it into the same emulator in the same process. The
/// harness holds an ACCESS EXCLUSIVE lock on catalog until the warm-up ends: the backfill's first chunk read waits for
/// it, so the backfill runs in the measured seconds. Rows count from the end of the warm-up until the backfill's done
/// line, and inserting stops there.</para>
/// </remarks>
internal static class LatencyRun
{
    private const string ApiKey = "harness";

    /// <summary>Seconds of inserts before the measured ones.</summary>
    public const int WarmUpSeconds = 5;

    /// <summary>The products table, a catalog table of its shape, and the publication of both.</summary>
    private const string CatalogSchemaSql = Workload.ProductsTableSql + """
        CREATE TABLE catalog (LIKE products INCLUDING ALL);
        CREATE PUBLICATION walsync FOR TABLE products, catalog WITH (publish_via_partition_root = true);
        """;

    /// <summary>Inserts <paramref name="rate"/> rows a second for <paramref name="seconds"/> seconds with walsync at <paramref name="flushInterval"/>.</summary>
    /// <param name="cluster">The throwaway cluster.</param>
    /// <param name="walsyncDll">The walsync.dll to run.</param>
    /// <param name="flushInterval">Batch:FlushInterval.</param>
    /// <param name="seconds">Seconds of inserts after the warm-up.</param>
    /// <param name="rate">Rows inserted per second.</param>
    /// <param name="backfillRows">Rows of the catalog table walsync backfills meanwhile; 0 for none.</param>
    /// <param name="chunkRows">Backfill:ChunkRows; null for walsync's default.</param>
    public static async Task<LatencyResult> RunAsync(PostgresCluster cluster, string walsyncDll, TimeSpan flushInterval, int seconds, int rate,
        int backfillRows = 0, int? chunkRows = null)
    {
        var during = backfillRows > 0;
        var name = $"latency_{(int)flushInterval.TotalMilliseconds}ms{(during ? "_backfill" : "")}";
        await using var database = await WorkloadDatabase.CreateAsync(cluster, name, during ? CatalogSchemaSql : Workload.SchemaSql);
        if (during)
        {
            Progress.Say($"{name}: writing {backfillRows:N0} rows into catalog");
            await BackfillRun.WriteTableAsync(database, "catalog", backfillRows);
        }
        await database.CreateSlotsAsync("walsync");
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = ApiKey });
        await using var locker = await database.OpenAsync();
        await using var hold = during ? await locker.BeginTransactionAsync() : null;
        if (hold is not null)
        {
            await using var lockCatalog = new NpgsqlCommand("LOCK TABLE catalog IN ACCESS EXCLUSIVE MODE", locker, hold);
            await lockCatalog.ExecuteNonQueryAsync();
        }
        await using var child = WalSyncChild.Start(database.Name, walsyncDll, database.ConnectionString, "walsync", server.Url, ApiKey, flushInterval,
            during ? ["products", "catalog"] : null, chunkRows);
        await child.WaitForStreamingAsync(TimeSpan.FromMinutes(2));
        var backfillDone = during
            ? child.WaitForLineAsync(BackfillRun.BackfillLine("catalog", " done: "), "the end of the backfill", TimeSpan.FromMinutes(30))
            : null;
        Progress.Say($"{name}: inserting {rate} rows/s for {WarmUpSeconds} + {seconds} s{(during ? ", the backfill from the end of the warm-up" : "")}");

        var visible = new List<(long Time, long Count)>();
        using var stopPolling = new CancellationTokenSource();
        var poller = PollAsync(server.Url, visible, stopPolling.Token);
        long released = 0;
        var (commits, elapsed) = await InsertAsync(database, rate, WarmUpSeconds + seconds, async () =>
        {
            if (hold is not null)
            {
                await hold.CommitAsync();
                released = Stopwatch.GetTimestamp();
            }
        }, backfillDone);
        var inserted = commits.Count == 0 ? 0 : commits[^1].LastRow;
        TimeSpan? backfill = backfillDone is { IsCompletedSuccessfully: true } ? Stopwatch.GetElapsedTime(released, backfillDone.Result.Time) : null;
        // Measured rows: after the warm-up, and while the backfill ran (the last rows may follow its done line by one tick).
        var measuredRows = backfill is null ? inserted : commits.Where(c => c.Time <= backfillDone!.Result.Time).Select(c => c.LastRow).LastOrDefault();
        // A backfill still running when walsync is stopped ends that wait with an error nobody needs.
        _ = backfillDone?.ContinueWith(t => t.Exception, TaskScheduler.Default);
        var warmUpRows = (long)rate * WarmUpSeconds;
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
        while (LastCount(visible) < inserted && Stopwatch.GetTimestamp() < deadline && !child.HasExited)
        {
            await Task.Delay(50);
        }
        await stopPolling.CancelAsync();
        await poller;
        if (LastCount(visible) < inserted)
        {
            throw new InvalidOperationException($"Only {LastCount(visible)} of {inserted} documents became visible:\n{child.Output}");
        }
        var rss = child.PeakRssBytes();
        var exit = await child.StopAsync();
        if (exit != 0)
        {
            throw new InvalidOperationException($"walsync exited with {exit}:\n{child.Output}");
        }
        if (measuredRows <= warmUpRows)
        {
            throw new InvalidOperationException($"The backfill ended {backfill?.TotalSeconds:F1} s after the warm-up, before any row was measured.");
        }
        var latencies = Latencies(commits, visible)[(int)warmUpRows..(int)measuredRows];
        Array.Sort(latencies);
        return new LatencyResult(flushInterval, latencies.Length, inserted / elapsed.TotalSeconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), TimeSpan.FromMilliseconds(latencies[^1]), rss,
            backfillRows, backfill);
    }

    // Inserts in a transaction every 10 ms as many rows as are due by then, so that a late tick catches up; calls
    // warmedUp once the warm-up seconds have passed, and ends early when stop completes.
    private static async Task<(List<(long Time, long LastRow)> Commits, TimeSpan Elapsed)> InsertAsync(WorkloadDatabase database, int rate, int seconds,
        Func<Task> warmedUp, Task? stop)
    {
        await using var connection = await database.OpenAsync();
        await using (var setting = new NpgsqlCommand("SET synchronous_commit = on", connection))
        {
            await setting.ExecuteNonQueryAsync();
        }
        await using var insert = new NpgsqlCommand($"INSERT INTO products SELECT {Workload.RowValues} FROM generate_series($1, $2) g", connection);
        var from = new NpgsqlParameter<int> { Value = 0 };
        var to = new NpgsqlParameter<int> { Value = 0 };
        insert.Parameters.Add(from);
        insert.Parameters.Add(to);
        await insert.PrepareAsync();
        var commits = new List<(long Time, long LastRow)>(seconds * 100);
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var inserted = 0;
        var warm = false;
        while (Stopwatch.GetElapsedTime(started).TotalSeconds < seconds && stop?.IsCompleted != true && await timer.WaitForNextTickAsync())
        {
            if (!warm && Stopwatch.GetElapsedTime(started).TotalSeconds >= WarmUpSeconds)
            {
                warm = true;
                await warmedUp();
            }
            var due = (int)Math.Min((long)rate * seconds, (long)(rate * Stopwatch.GetElapsedTime(started).TotalSeconds));
            if (due <= inserted)
            {
                continue;
            }
            from.TypedValue = inserted + 1;
            to.TypedValue = due;
            await insert.ExecuteNonQueryAsync();
            inserted = due;
            commits.Add((Stopwatch.GetTimestamp(), inserted));
        }
        return (commits, Stopwatch.GetElapsedTime(started));
    }

    private static async Task PollAsync(Uri url, List<(long Time, long Count)> visible, CancellationToken cancellationToken)
    {
        using var probe = new EmulatorProbe(url, ApiKey);
        long last = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var count = await probe.CountAsync();
            var now = Stopwatch.GetTimestamp();
            if (count > last)
            {
                lock (visible)
                {
                    visible.Add((now, count));
                }
                last = count;
            }
            try
            {
                await Task.Delay(2, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static long LastCount(List<(long Time, long Count)> visible)
    {
        lock (visible)
        {
            return visible.Count == 0 ? 0 : visible[^1].Count;
        }
    }

    // Per row, in milliseconds: the first poll that saw it minus its transaction's commit.
    private static double[] Latencies(List<(long Time, long LastRow)> commits, List<(long Time, long Count)> visible)
    {
        var latencies = new double[commits[^1].LastRow];
        var sample = 0;
        long row = 0;
        foreach (var (commitTime, lastRow) in commits)
        {
            for (row++; row <= lastRow; row++)
            {
                while (visible[sample].Count < row)
                {
                    sample++;
                }
                latencies[row - 1] = Math.Max(0, Stopwatch.GetElapsedTime(commitTime, visible[sample].Time).TotalMilliseconds);
            }
            row = lastRow;
        }
        return latencies;
    }

    private static TimeSpan Percentile(double[] sorted, double fraction) =>
        TimeSpan.FromMilliseconds(sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)]);
}

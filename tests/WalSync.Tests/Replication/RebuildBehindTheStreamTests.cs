using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Replication;

/// <summary>
/// A rebuild asked for while the stream is still behind the change that asked for it. Regression (seen once in the
/// oracle, seed 1 FULL on PostgreSQL 17): a partition's rows were changed, then the partition was detached; the catalog
/// watch noticed the detach and the new version was created while those changes were still on their way, so they were
/// written into the new version too, and the backfill, which reads the table without the partition, never removed them.
/// </summary>
public sealed class RebuildBehindTheStreamTests
{
    [Fact]
    public async Task RunAsync_PartitionRowsChangedThenDetachedWhileImportsFail_NewVersionHoldsOnlyTheTable()
    {
        await using var harness = await SyncHarness.StartAsync("behind", requireEmulator: true);
        await harness.ExecuteAsync("""
            CREATE TABLE events (id int PRIMARY KEY, what text) PARTITION BY RANGE (id);
            CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (1) TO (1000);
            CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (1000) TO (2000);
            INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 40) AS g;
            INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1001, 1040) AS g;
            """);
        var options = harness.Options(("public.events", "events"));
        options.Postgres.CatalogCheckInterval = TimeSpan.FromSeconds(1);
        options.Batch.FlushInterval = TimeSpan.FromMilliseconds(100);
        await using var run = await SyncRun.StartStreamingAsync(harness, options);
        await run.AssertConvergedAsync("events", "SELECT id::text, jsonb_build_object('what', what) FROM events");

        // The first change's flush hangs on failing imports; the partition's changes wait behind it in the stream.
        harness.Emulator!.Faults.FailFor(TimeSpan.FromHours(1), FaultKind.ServiceUnavailable, FaultScope.Writes, RouteKind.DocumentImport);
        await harness.ExecuteAsync("UPDATE events SET what = 'first' WHERE id = 1;");
        await harness.ExecuteAsync("UPDATE events SET what = 'changed before the detach' WHERE id > 1000;");
        await harness.ExecuteAsync("ALTER TABLE events DETACH PARTITION events_2;");
        await Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains("partition public.events_2 was detached", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the detach to be noticed");
        harness.Emulator.Faults.Clear();

        await harness.WaitForConvergenceAsync("events", "SELECT id, what FROM events", run.Running);
        await run.CatchUpAsync();
        await harness.WaitForConvergenceAsync("events", "SELECT id, what FROM events", run.Running);
        Assert.Equal(40, (await harness.DocumentsAsync("events")).Count);
        Assert.Equal(harness.Prefix + "events__v2", await harness.Client.GetAliasAsync(harness.Prefix + "events", CancellationToken.None));
    }
}

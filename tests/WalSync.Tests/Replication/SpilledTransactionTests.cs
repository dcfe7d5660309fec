using System.Globalization;
using System.Text.RegularExpressions;
using WalSync.Configuration;
using WalSync.Tests.Faults;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// A transaction that outgrows <c>logical_decoding_work_mem</c> is spilled to disk by the WAL sender: WalSync reads the
/// slot's spill statistics into <c>/status</c> and warns, and <c>Postgres:LogicalDecodingWorkMem</c> gives its own WAL
/// sender the memory to decode it without spilling. The test servers run with 64kB (<see cref="TestImage.ServerSettings"/>),
/// so a few thousand rows spill when <c>Postgres:StreamLargeTransactions</c> is off.
/// </summary>
public sealed class SpilledTransactionTests : IAsyncLifetime
{
    private const int SpillWarningEventId = 1102;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("spill");
        await _harness.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RunAsync_TransactionLargerThanDecodingMemory_StatusCountsTheSpillAndWalSyncWarns()
    {
        using var logs = new LogCapture();
        var service = new SyncService(SpillingOptions(), logs.Factory);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await WaitForSpillStatisticsAsync(service, running);

        await _harness.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g || repeat('x', 100) FROM generate_series(1, 5000) g");
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items", running);
        Assert.True(await SpilledTransactionsAsync() >= 1, "PostgreSQL counts no spilled transaction");
        await Eventually.HoldsAsync(() => Task.FromResult(service.State.Snapshot().SlotSpilledBytes > 0), TimeSpan.FromSeconds(30),
            "the slot's spill statistics to show the transaction", () => Task.FromResult($"status: {Describe(service)}"));
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Entries.Any(e => e.EventId == SpillWarningEventId)), TimeSpan.FromSeconds(30),
            "the spill warning");
        await stop.CancelAsync();
        await running;

        // A restart of the stream before the slot's restart_lsn passes the transaction (a loaded server, a timeout)
        // decodes it again, and the WAL sender spills it again: every count below is PostgreSQL's, whatever it is.
        var spilled = await SpilledTransactionsAsync();
        var warning = logs.Entries.First(e => e.EventId == SpillWarningEventId).Message;
        var warned = Regex.Match(warning, $"slot {Regex.Escape(_harness.Slot)} spilled ([0-9]+) transaction\\(s\\)");
        Assert.True(warned.Success && int.Parse(warned.Groups[1].Value, CultureInfo.InvariantCulture) is var count && count >= 1 && count <= spilled,
            $"the warning names the slot and between 1 and {spilled} spilled transaction(s): {warning}\nwarnings: " +
            string.Join("; ", logs.Entries.Where(e => e.EventId is 2101 or 1102).Select(e => e.Message)));
        Assert.Contains("logical_decoding_work_mem (64kB, the server's setting)", warning, StringComparison.Ordinal);
        Assert.Contains("Postgres:LogicalDecodingWorkMem", warning, StringComparison.Ordinal);
        Assert.InRange(service.State.Snapshot().SlotSpilledTransactions ?? 0, 1, spilled);

        // walsync status and walsync check read the same statistics from PostgreSQL, with or without a daemon.
        var config = WalSyncProcess.WriteConfig(SpillingOptions());
        await using var status = WalSyncProcess.Start(["status", "--config", config]);
        await status.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains($"spilled {spilled} transaction(s)", status.Output, StringComparison.Ordinal);
        Assert.Contains("(see Postgres:LogicalDecodingWorkMem)", status.Output, StringComparison.Ordinal);
        await using var check = WalSyncProcess.Start(["check", "--config", config]);
        await check.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains($"warning decoding memory: logical_decoding_work_mem 64kB (the server's setting); slot '{_harness.Slot}' has spilled {spilled} transaction(s)",
            check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LogicalDecodingWorkMemSet_SameTransactionDecodedWithoutSpilling()
    {
        using var logs = new LogCapture();
        var options = SpillingOptions();
        options.Postgres.LogicalDecodingWorkMem = "64MB";
        var service = new SyncService(options, logs.Factory);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await WaitForSpillStatisticsAsync(service, running);

        await _harness.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g || repeat('x', 100) FROM generate_series(1, 5000) g");
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items", running);
        // PostgreSQL counts a spill when it writes the changes out, before the commit is decoded and sent (PostgreSQL
        // 15+: straight into the shared statistics), so once the documents are in, a spill would be counted.
        Assert.Equal(0, await SpilledTransactionsAsync());
        Assert.Equal(0, service.State.Snapshot().SlotSpilledTransactions);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == SpillWarningEventId);
        await stop.CancelAsync();
        await running;
    }

    // Streamed transactions are not spilled: these tests are about a WAL sender that cannot stream.
    private WalSyncOptions SpillingOptions()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Postgres.StreamLargeTransactions = false;
        return options;
    }

    private static async Task WaitForSpillStatisticsAsync(SyncService service, Task running) =>
        await Eventually.HoldsAsync(async () =>
        {
            if (running.IsCompleted)
            {
                await running;
            }
            return service.State.Snapshot().SlotSpilledBytes is not null;
        }, TimeSpan.FromSeconds(60), "the slot's statistics to be read");

    private async Task<long> SpilledTransactionsAsync() =>
        await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
            $"SELECT spill_txns FROM pg_stat_replication_slots WHERE slot_name = '{_harness.Slot}'");

    private static string Describe(SyncService service)
    {
        var status = service.State.Snapshot();
        return $"spilled {status.SlotSpilledTransactions} transactions, {status.SlotSpilledBytes} bytes";
    }
}

using Npgsql;
using WalSync.Replication;
using WalSync.Tests.Faults;
using WalSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WalSync.Tests.Replication;

/// <summary>
/// The primary is killed and its standby promoted while WalSync streams a mixed workload; WalSync is given both hosts.
/// Afterwards every collection equals its table on the new primary: nothing lost, nothing the new primary does not
/// have. On PostgreSQL 17+ WalSync resumes from the failover slot the standby kept; before 17 it creates a new slot and
/// rebuilds the collections behind their aliases.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string OrdersExpected = "SELECT id::text AS id, customer_id, status, quantity FROM orders";
    private const string CustomersExpected = "SELECT id::text AS id, name, tier FROM customers";
    private const string OrdersBackfill = "Backfill of public.orders into";
    private const int Transactions = 300;
    private const int KillAfter = 150;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private StandbyPair _pair = null!;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _pair = await StandbyPair.StartAsync(TestImage.Name!, failoverSlots: TestImage.Major >= SupportedVersions.FailoverSlotsMajor);
        Mark("primary and standby started");
        await PostgresServer.ExecuteAsync(_pair.Primary.ConnectionString, "CREATE DATABASE shop");
        _harness = await SyncHarness.ForDatabaseAsync(_pair.ConnectionStringFor("shop"));
        await _harness.ExecuteAsync("""
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text);
            CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, quantity int NOT NULL);
            INSERT INTO customers SELECT g, 'customer ' || g, 'new' FROM generate_series(1, 50) g;
            INSERT INTO orders SELECT -g, g % 50 + 1, 'imported', g FROM generate_series(1, 400) g;
            """);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _pair.DisposeAsync();
    }

    [StandbyFact(MinimumMajor = SupportedVersions.FailoverSlotsMajor)]
    public async Task RunAsync_PrimaryKilledAndStandbyPromoted_ResumesFromSyncedSlotAndConverges()
    {
        using var logs = new LogCapture();
        var (running, stop) = Start(logs);
        await _harness.WaitForConvergenceAsync("orders", OrdersExpected, running);
        await _harness.WaitForConvergenceAsync("customers", CustomersExpected, running);
        Mark("tables copied");
        // The slot is created as a failover slot.
        await Eventually.HoldsAsync(async () => await SlotCountAsync(_pair.Primary, "failover") == 1,
            TimeSpan.FromSeconds(30), "WalSync's slot to be a failover slot",
            () => Task.FromResult(string.Join(" | ", logs.Messages.Where(m => m.Contains("failover", StringComparison.OrdinalIgnoreCase)))));
        // Only a slot that the standby has synchronized, and made persistent, survives the promotion.
        await Eventually.HoldsAsync(async () => await SlotCountAsync(_pair.Standby, "synced AND NOT temporary AND invalidation_reason IS NULL") == 1,
            TimeSpan.FromSeconds(180), "the standby to synchronize WalSync's slot");
        Mark("slot synchronized to the standby");

        await FailOverDuringWorkloadAsync(running);

        Assert.Single(logs.Messages, m => m.StartsWith(OrdersBackfill, StringComparison.Ordinal) && m.Contains("starts after", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith($"Resuming slot {_harness.Slot}", StringComparison.Ordinal));
        await StopAsync(running, stop);
    }

    [StandbyFact(MaximumMajor = SupportedVersions.FailoverSlotsMajor - 1)]
    public async Task RunAsync_PrimaryKilledWithoutFailoverSlots_RebuildsFromTheNewPrimary()
    {
        using var logs = new LogCapture();
        var (running, stop) = Start(logs);
        await _harness.WaitForConvergenceAsync("orders", OrdersExpected, running);
        await _harness.WaitForConvergenceAsync("customers", CustomersExpected, running);
        await Eventually.HoldsAsync(async () => await SlotCountAsync(_pair.Primary, "true") == 1, TimeSpan.FromSeconds(30), "WalSync's slot");

        await FailOverDuringWorkloadAsync(running);

        Assert.Equal(2, logs.Messages.Count(m => m.StartsWith(OrdersBackfill, StringComparison.Ordinal) && m.Contains("starts after", StringComparison.Ordinal)));
        await StopAsync(running, stop);
    }

    private (Task Running, CancellationTokenSource Stop) Start(LogCapture logs)
    {
        var service = new SyncService(_harness.Options(("public.orders", "orders"), ("public.customers", "customers")), logs.Factory)
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
        };
        var stop = new CancellationTokenSource();
        return (service.RunAsync(stop.Token), stop);
    }

    /// <summary>Runs the workload; when half of it is committed, kills the primary and promotes the standby; then waits
    /// until both collections equal their tables on the new primary and WalSync streams from its slot there.</summary>
    private async Task FailOverDuringWorkloadAsync(Task running)
    {
        var committed = 0;
        var workload = Task.Run(async () =>
        {
            for (var k = 1; k <= Transactions; k++)
            {
                await CommitWithRetriesAsync(k);
                Volatile.Write(ref committed, k);
            }
        });
        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref committed) >= KillAfter || workload.IsCompleted),
            TimeSpan.FromSeconds(120), $"{KillAfter} workload transactions on the primary");
        Mark($"{KillAfter} transactions committed");
        await _pair.FailOverAsync();
        Mark("primary killed, standby promoted");
        await workload;
        Mark("workload done");
        await _harness.ExecuteAsync("INSERT INTO customers VALUES (1000, 'after the failover', 'new'); UPDATE orders SET status = 'promoted' WHERE id < 0 AND id % 5 = 0;");

        await _harness.WaitForConvergenceAsync("orders", OrdersExpected, running, TimeSpan.FromSeconds(120));
        await _harness.WaitForConvergenceAsync("customers", CustomersExpected, running, TimeSpan.FromSeconds(120));
        Mark("collections equal their tables");
        await Eventually.HoldsAsync(async () => await SlotCountAsync(_pair.Standby, "active") == 1,
            TimeSpan.FromSeconds(30), "WalSync to stream from its slot on the new primary");
        Assert.False(running.IsCompleted);
    }

    /// <summary>Commits workload transaction <paramref name="k"/>, retrying while no host is a primary. Each statement
    /// gives the same result when run again, since a commit cut off by the failover may or may not have happened.</summary>
    private async Task CommitWithRetriesAsync(int k)
    {
        var sql = $"""
            BEGIN;
            INSERT INTO orders VALUES ({k}, {k % 50 + 1}, 'new', {k % 7}) ON CONFLICT (id) DO UPDATE SET status = 'new', quantity = {k % 7};
            UPDATE orders SET status = 'paid', quantity = {k} WHERE id = {k - 3};
            DELETE FROM orders WHERE id IN ({k - 10}, {-k});
            UPDATE customers SET tier = 'tier {k}', name = 'customer {k % 50 + 1} v{k}' WHERE id = {k % 50 + 1};
            COMMIT;
            """;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            try
            {
                await _harness.ExecuteAsync(sql);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // The primary is gone and the standby not promoted yet: a client backs off and tries again.
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Writes how long the test has run, to tell a slow phase from a stuck one.</summary>
    private void Mark(string phase) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {phase}");

    private Task<long> SlotCountAsync(ContainerTestServer server, string condition) => PostgresServer.ScalarAsync<long>(
        server.ConnectionStringFor("shop"), $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}' AND {condition}");

    private static async Task StopAsync(Task running, CancellationTokenSource stop)
    {
        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }
}

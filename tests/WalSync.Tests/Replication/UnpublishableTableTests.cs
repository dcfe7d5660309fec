using WalSync.Checks;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Relations PostgreSQL cannot publish are refused at start, each with its fix. Regression: an unlogged table in Tables
/// ended in a crit log line with a stack trace ("cannot add relation to publication") instead of a configuration error.
/// </summary>
public sealed class UnpublishableTableTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("unpublishable", requireEmulator: true);
        await _harness.ExecuteAsync("""
            CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY, note text);
            CREATE TABLE orders (id int PRIMARY KEY, total numeric);
            CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
            CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
            CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE UNLOGGED TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_UnloggedTable_ExitsTwoWithSetLoggedAndNoStackTrace()
    {
        await using var process = WalSyncProcess.Run(_harness.Options(("public.scratch", "scratch")));

        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = process.Output;
        Assert.True(code == 2, $"exit code {code}: {output}");
        Assert.Contains("public.scratch is UNLOGGED", output, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.scratch SET LOGGED;", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM pg_publication"));
        Assert.Null(await _harness.ConfirmedFlushLsnAsync());
    }

    [Fact]
    public async Task Check_ViewAndUnloggedPartition_EachFailsWithItsFixAndTheLoggedTablePasses()
    {
        var options = _harness.Options(("public.big_orders", "big_orders"), ("public.events", "events"), ("public.orders", "orders"));

        var results = await new StartupChecks(options).RunAsync(CancellationToken.None);

        var view = Assert.Single(results, r => r.Name == "table public.big_orders");
        Assert.Equal(CheckStatus.Failed, view.Status);
        Assert.Contains("public.big_orders is a view, and PostgreSQL publishes only tables", view.Message, StringComparison.Ordinal);
        var events = Assert.Single(results, r => r.Name == "table public.events");
        Assert.Equal(CheckStatus.Failed, events.Status);
        Assert.Contains("The partition public.events_2025 of public.events is UNLOGGED", events.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.events_2025 SET LOGGED;", events.Message, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Passed, Assert.Single(results, r => r.Name == "table public.orders").Status);
        var error = Assert.Throws<ConfigurationException>(() => StartupChecks.ThrowIfAnyFailed(results));
        Assert.Contains("public.events_2025", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_PartitionMadeLogged_Passes()
    {
        await _harness.ExecuteAsync("ALTER TABLE events_2025 SET LOGGED;");

        var results = await new StartupChecks(_harness.Options(("public.events", "events"))).RunAsync(CancellationToken.None);

        Assert.Equal(CheckStatus.Passed, Assert.Single(results, r => r.Name == "table public.events").Status);
    }
}

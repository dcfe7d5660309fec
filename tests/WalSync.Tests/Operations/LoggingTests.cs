using System.Text.Json;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary>The <c>Logging</c> section and <c>--log-format</c> on the real <c>walsync run</c> process.</summary>
public sealed class LoggingTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("logs");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_LogFormatJson_EveryLineIsAJsonObjectAndTheSummaryComesEachInterval()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Logging.SummaryInterval = TimeSpan.FromSeconds(1);
        await using var walsync = WalSyncProcess.Start(["run", "--config", WalSyncProcess.WriteConfig(options), "--log-format", "json"]);
        await walsync.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(60));
        await _harness.ExecuteAsync("INSERT INTO items VALUES (100, 'new')");
        await walsync.WaitForOutputAsync("documents written", TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => Task.FromResult(walsync.Output.Contains("in the last", StringComparison.Ordinal)
            && Summaries(walsync.Output).Any(s => s.Contains(" 1 changes", StringComparison.Ordinal))), TimeSpan.FromSeconds(30),
            "a summary counting the insert", () => Task.FromResult(walsync.Output));

        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = walsync.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("Timestamp", out _), line);
            Assert.True(json.RootElement.TryGetProperty("LogLevel", out _), line);
        });
        Assert.Contains(lines, line => line.Contains("\"EventId\":4104", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_LogLevelPerCategory_Honoured()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Logging.LogLevel["Default"] = Microsoft.Extensions.Logging.LogLevel.Information;
        options.Logging.LogLevel["WalSync.Replication"] = Microsoft.Extensions.Logging.LogLevel.Warning;
        options.Logging.LogLevel["WalSync.Typesense.TypesenseClient"] = Microsoft.Extensions.Logging.LogLevel.Debug;
        await using var walsync = WalSyncProcess.Run(options);
        await walsync.WaitForOutputAsync($"Backfill of public.items into {_harness.Prefix}items__v1 done", TimeSpan.FromSeconds(60));
        await _harness.ExecuteAsync("INSERT INTO items VALUES (100, 'new')");
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items");
        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // ReplicationReader's Information lines are gone; the Typesense client's Debug lines are there; WalSync's own stay.
        Assert.DoesNotContain("Streaming from slot", walsync.Output, StringComparison.Ordinal);
        Assert.Contains("dbug: WalSync.Typesense.TypesenseClient", walsync.Output, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Summaries(string output) =>
        output.Split('\n').Where(l => l.Contains("\"EventId\":4104", StringComparison.Ordinal));
}

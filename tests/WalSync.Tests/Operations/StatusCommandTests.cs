using System.Text.Json.Nodes;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary><c>walsync status</c> as a new user runs it: with the daemon running, stopped, never started, and with parts down.</summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("status");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 40) AS g;
            ANALYZE items;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Status_NeverStarted_ExitsOneSayingTheSlotDoesNotExist()
    {
        // Port 9 (discard) on loopback: nothing answers there.
        var (code, output) = await StatusAsync(_harness.Options(("public.items", "items")), "--url", "http://127.0.0.1:9");

        Assert.Equal(1, code);
        Assert.Contains($"The slot '{_harness.Slot}' does not exist", output, StringComparison.Ordinal);
        Assert.Contains("not running (no answer from", output, StringComparison.Ordinal);
        Assert.Contains("does not exist; walsync run creates it", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_DaemonRunningThenStopped_HealthyBothTimesWithThePhaseWhileItRuns()
    {
        var options = _harness.Options(("public.items", "items"));
        await using var walsync = WalSyncProcess.Run(options);
        var url = await walsync.HttpUrlAsync();
        await HttpProbe.WaitForStreamingAsync(url, walsync);

        var (runningCode, running) = await StatusAsync(options, "--url", url.ToString());
        Assert.True(runningCode == 0, running);
        Assert.Contains("active (walsender PID", running, StringComparison.Ordinal);
        Assert.Contains("Daemon       streaming for", running, StringComparison.Ordinal);
        Assert.Matches("public\\.items\\t" + _harness.Prefix + "items\\t40\\t40", running);
        var (jsonCode, json) = await StatusAsync(options, "--url", url.ToString(), "--json", "--exact");
        Assert.Equal(0, jsonCode);
        var report = JsonNode.Parse(json)!.AsObject();
        Assert.True(report["healthy"]!.GetValue<bool>());
        Assert.Equal("streaming", report["daemon"]!["phase"]!.GetValue<string>());
        Assert.Equal(40, report["tables"]![0]!["rows"]!.GetValue<long>());
        Assert.Equal(40, report["tables"]![0]!["documents"]!.GetValue<long>());

        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var (stoppedCode, stopped) = await StatusAsync(options, "--url", url.ToString());
        Assert.True(stoppedCode == 0, stopped);
        Assert.Contains("inactive, confirmed_flush_lsn", stopped, StringComparison.Ordinal);
        Assert.Contains("not running (no answer from", stopped, StringComparison.Ordinal);

        await _harness.ExecuteAsync("INSERT INTO items SELECT g, repeat('x', 1000) FROM generate_series(1000, 3000) AS g");
        var (laggingCode, lagging) = await StatusAsync(options, "--url", url.ToString(), "--max-lag-bytes", "1000");
        Assert.Equal(1, laggingCode);
        Assert.Contains("over --max-lag-bytes", lagging, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_TypesenseAndPostgresDown_ExitsOneNamingBothWithoutCrashing()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Typesense.Nodes.Clear();
        options.Typesense.Nodes.Add("http://127.0.0.1:9");
        var (typesenseCode, typesense) = await StatusAsync(options);
        Assert.Equal(1, typesenseCode);
        Assert.Contains("Typesense did not answer", typesense, StringComparison.Ordinal);

        options.Postgres.ConnectionString = "Host=127.0.0.1;Port=9;Username=nobody;Password=pw-status-4711;Database=none";
        var (bothCode, both) = await StatusAsync(options);
        Assert.Equal(1, bothCode);
        Assert.Contains("PostgreSQL did not answer", both, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-status-4711", both, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", both, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_BadConfigurationOrOption_ExitsTwo()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Http.Urls = "not a url";
        var (configCode, config) = await StatusAsync(options);
        Assert.Equal(2, configCode);
        Assert.Contains("Http:Urls 'not a url'", config, StringComparison.Ordinal);

        var (urlCode, url) = await StatusAsync(_harness.Options(("public.items", "items")), "--url", "ftp://x");
        Assert.NotEqual(0, urlCode);
        Assert.Contains("--url 'ftp://x' is not an http:// address", url, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> StatusAsync(WalSyncOptions options, params string[] arguments)
    {
        await using var process = WalSyncProcess.Start(["status", "--config", WalSyncProcess.WriteConfig(options), .. arguments]);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }
}

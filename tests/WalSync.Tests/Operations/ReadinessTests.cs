using System.Net;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary><c>/readyz</c> follows Typesense: 503 with the reason while it fails past <c>Http:UnreadyAfter</c>, 200 once writes succeed again.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("ready", requireEmulator: true);
        await _harness.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL);
            INSERT INTO orders SELECT g, g FROM generate_series(1, 50) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Readyz_DuringATypesenseOutage_503WithTheReasonThen200AfterIt()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Http.UnreadyAfter = TimeSpan.FromSeconds(1);
        await using var walsync = WalSyncProcess.Run(options);
        var url = await walsync.HttpUrlAsync();
        await HttpProbe.WaitForStreamingAsync(url, walsync);
        Assert.Equal(HttpStatusCode.OK, (await HttpProbe.GetAsync(url, "readyz")).Status);

        _harness.Emulator!.Faults.SetHealthy(false);
        await _harness.ExecuteAsync("INSERT INTO orders VALUES (1000, 1)");
        await Eventually.HoldsAsync(() => HttpProbe.AnswersAsync(url, "readyz", HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(60),
            "/readyz to answer 503 during the outage", () => Task.FromResult(walsync.Output));
        var (_, unready) = await HttpProbe.GetJsonAsync(url, "readyz");
        Assert.False(unready["ready"]!.GetValue<bool>());
        Assert.Equal("retrying", unready["phase"]!.GetValue<string>());
        Assert.Contains("retrying for", unready["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("503", unready["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await HttpProbe.GetAsync(url, "healthz")).Status);

        _harness.Emulator.Faults.Clear();
        await Eventually.HoldsAsync(() => HttpProbe.AnswersAsync(url, "readyz", HttpStatusCode.OK), TimeSpan.FromSeconds(60),
            "/readyz to answer 200 after the outage", () => Task.FromResult(walsync.Output));
        await _harness.WaitForConvergenceAsync("orders", "SELECT id::text AS id, qty FROM orders");
        var (_, status) = await HttpProbe.GetJsonAsync(url, "status");
        Assert.Null(status["last_error"]);
        Assert.Equal("streaming", status["phase"]!.GetValue<string>());
    }
}

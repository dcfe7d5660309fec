using Microsoft.Extensions.Logging.Abstractions;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Pipeline;

/// <summary>PostgreSQL faults mid-stream, on a cluster of the test's own so that it can be restarted.</summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, note FROM events";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.OnOwnClusterAsync();
        await _harness.ExecuteAsync("CREATE TABLE events (id int PRIMARY KEY, note text); INSERT INTO events SELECT g, 'e' || g FROM generate_series(1, 100) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RunAsync_ServerRestartedMidStream_ReconnectsAndConverges()
    {
        var service = new SyncService(_harness.Options(("public.events", "events")), NullLoggerFactory.Instance) { ReconnectDelay = TimeSpan.FromMilliseconds(200) };
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await _harness.WaitForConvergenceAsync("events", Expected, running);
        await _harness.ExecuteAsync("INSERT INTO events SELECT g, 'before restart' FROM generate_series(101, 200) g");

        await _harness.Cluster!.RestartAsync();
        await _harness.ExecuteAsync("UPDATE events SET note = 'after restart' WHERE id <= 50; DELETE FROM events WHERE id > 190;");

        await _harness.WaitForConvergenceAsync("events", Expected, running);
        Assert.False(running.IsCompleted);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task RunAsync_WalsenderTerminated_ReconnectsAndConverges()
    {
        var service = new SyncService(_harness.Options(("public.events", "events")), NullLoggerFactory.Instance) { ReconnectDelay = TimeSpan.FromMilliseconds(200) };
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await _harness.WaitForConvergenceAsync("events", Expected, running);
        // Terminate the walsender as soon as there is one: true once a backend was signalled.
        await Eventually.HoldsAsync(async () => await PostgresServer.ScalarAsync<object>(_harness.ConnectionString,
            $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}' AND active_pid IS NOT NULL " +
            "UNION ALL SELECT false LIMIT 1") is true, TimeSpan.FromSeconds(30), "a walsender to terminate");
        await _harness.ExecuteAsync("INSERT INTO events SELECT g, 'after terminate' FROM generate_series(300, 350) g");

        await _harness.WaitForConvergenceAsync("events", Expected, running);
        await Eventually.HoldsAsync(async () => await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
            $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}' AND active") == 1,
            TimeSpan.FromSeconds(30), "the slot to be streamed again");
        await stop.CancelAsync();
        await running;
    }
}

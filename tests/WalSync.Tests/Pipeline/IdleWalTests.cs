using Microsoft.Extensions.Logging.Abstractions;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Pipeline;

/// <summary>A slot must not hold WAL that WalSync has nothing to do with: on a cluster of its own, so that the
/// retained WAL measured is this test's alone.</summary>
public sealed class IdleWalTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.OnOwnClusterAsync();
        await _harness.ExecuteAsync("CREATE TABLE published (id int PRIMARY KEY); CREATE TABLE unrelated (id serial PRIMARY KEY, payload text);");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RunAsync_WritesOnlyToUnpublishedTable_SlotFollowsAndRetainedWalStaysBounded()
    {
        var service = new SyncService(_harness.Options(("public.published", "published")), NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await WaitForSlotAsync(running);

        long written = 0;
        for (var round = 0; round < 8; round++)
        {
            await _harness.ExecuteAsync("INSERT INTO unrelated (payload) SELECT repeat('w', 1000) FROM generate_series(1, 4000)");
            written += 4000 * 1000;
        }
        var target = await PostgresServer.ScalarAsync<NpgsqlLogSequenceNumber>(_harness.ConnectionString, "SELECT pg_current_wal_lsn()");
        await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() >= target, TimeSpan.FromSeconds(60),
            $"the slot to be acknowledged past {target} although nothing published changed");
        // restart_lsn moves at the next running-transactions record: a checkpoint writes one.
        await _harness.ExecuteAsync("CHECKPOINT");
        long retained = 0;
        await Eventually.HoldsAsync(async () =>
        {
            await _harness.ExecuteAsync("INSERT INTO unrelated (payload) VALUES ('tick')");
            retained = await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
                $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}'");
            return retained < 4 * 1024 * 1024;
        }, TimeSpan.FromSeconds(60), "the retained WAL to shrink below 4 MiB", () => Task.FromResult($"retained {retained} bytes after writing {written}"));

        Assert.False(running.IsCompleted);
        await stop.CancelAsync();
        await running;
    }

    private async Task WaitForSlotAsync(Task running) =>
        await Eventually.HoldsAsync(async () =>
        {
            if (running.IsCompleted)
            {
                await running;
            }
            return await _harness.ConfirmedFlushLsnAsync() is not null;
        }, TimeSpan.FromSeconds(30), "the slot");

    [Fact]
    public async Task RunAsync_HeartbeatOnIdleDatabase_SlotAdvances()
    {
        var options = _harness.Options(("public.published", "published"));
        options.Postgres.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        var service = new SyncService(options, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await WaitForSlotAsync(running);
        var start = await _harness.ConfirmedFlushLsnAsync();

        // Nothing is written by anyone: only the heartbeat's messages can move the slot.
        await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() > start, TimeSpan.FromSeconds(30), "the heartbeat to move the slot");

        await stop.CancelAsync();
        await running;
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Pipeline;

public sealed class SyncServiceTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, name, price::float8 AS price, floor(extract(epoch FROM updated_at))::bigint AS updated_at FROM items";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("sync");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10, 2), updated_at timestamptz NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g, g * 1.5, '2024-01-01 00:00:00+00'::timestamptz + g * interval '61 seconds'
            FROM generate_series(1, 300) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RunAsync_FirstStart_CopiesExistingRowsThenStreamsInsertsUpdatesAndDeletes()
    {
        var service = new SyncService(_harness.Options(("public.items", "items")), NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);

        await _harness.WaitForConvergenceAsync("items", Expected, running);
        Assert.Equal(300, (await _harness.DocumentsAsync("items")).Count);

        await _harness.ExecuteAsync("""
            INSERT INTO items SELECT g, 'new ' || g, NULL, now() FROM generate_series(301, 350) AS g;
            UPDATE items SET name = 'renamed ' || id, price = NULL WHERE id <= 20;
            UPDATE items SET price = 99.5 WHERE id BETWEEN 30 AND 40;
            DELETE FROM items WHERE id BETWEEN 291 AND 300;
            UPDATE items SET id = id + 1000 WHERE id = 21;
            """);
        await _harness.WaitForConvergenceAsync("items", Expected, running);
        var documents = await _harness.DocumentsAsync("items");
        Assert.False(documents.ContainsKey("21"));
        Assert.True(documents.ContainsKey("1021"));
        Assert.False(documents["1"].ContainsKey("price"));

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task RunAsync_SlotExists_ResumesWithoutCopyingAgain()
    {
        var options = _harness.Options(("public.items", "items"));
        using (var stop = new CancellationTokenSource())
        {
            var service = new SyncService(options, NullLoggerFactory.Instance);
            var first = service.RunAsync(stop.Token);
            await _harness.WaitForConvergenceAsync("items", Expected, first);
            // The copy is over only once its end is recorded; stopped before that, the next run resumes it and copies again.
            await Eventually.HoldsAsync(() => Task.FromResult(!service.Backfilling), TimeSpan.FromSeconds(30), "the first copy to be recorded as done");
            await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() is not null, TimeSpan.FromSeconds(30), "the permanent slot");
            await stop.CancelAsync();
            await first;
        }
        // A document removed behind WalSync's back comes back only through a copy, which a resume must not make.
        await _harness.Client.DeleteDocumentsAsync(_harness.Prefix + "items", ["5"], CancellationToken.None);
        Assert.False((await _harness.DocumentsAsync("items")).ContainsKey("5"));
        await _harness.ExecuteAsync("INSERT INTO items VALUES (500, 'while stopped', 1, now()); DELETE FROM items WHERE id = 6;");

        using var stopAgain = new CancellationTokenSource();
        var second = new SyncService(options, NullLoggerFactory.Instance).RunAsync(stopAgain.Token);
        await Eventually.HoldsAsync(async () =>
        {
            var documents = await _harness.DocumentsAsync("items");
            return documents.ContainsKey("500") && !documents.ContainsKey("6");
        }, TimeSpan.FromSeconds(60), "the changes made while WalSync was stopped");
        Assert.False((await _harness.DocumentsAsync("items")).ContainsKey("5"));

        await stopAgain.CancelAsync();
        await second;
    }
}

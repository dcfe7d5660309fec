using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary>
/// One real <c>walsync run</c> that has copied a table and streamed inserts, updates, deletes and a dead letter, so that
/// every metric has values: shared by the tests that read its <c>/metrics</c>.
/// </summary>
public sealed class RunningWalSyncFixture : IAsyncLifetime
{
    /// <summary>The database and Typesense.</summary>
    public SyncHarness Harness { get; private set; } = null!;

    /// <summary>The process.</summary>
    public WalSyncProcess Process { get; private set; } = null!;

    /// <summary>Its HTTP listener.</summary>
    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Harness = await SyncHarness.StartAsync("metrics");
        await Harness.ExecuteAsync("""
            CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, price numeric);
            INSERT INTO products SELECT g, 'product ' || g, g FROM generate_series(1, 500) AS g;
            """);
        Process = WalSyncProcess.Run(Harness.Options(("public.products", "products")));
        Url = await Process.HttpUrlAsync();
        await HttpProbe.WaitForStreamingAsync(Url, Process);
        await Harness.ExecuteAsync("""
            INSERT INTO products SELECT g, 'product ' || g, g FROM generate_series(501, 600) AS g;
            UPDATE products SET price = price + 1 WHERE id <= 50;
            DELETE FROM products WHERE id > 590;
            INSERT INTO products VALUES (10000, 'not a number', 'NaN');
            """);
        await Eventually.HoldsAsync(async () =>
        {
            var (_, status) = await HttpProbe.GetJsonAsync(Url, "status");
            var collection = status["collections"]![0]!;
            return collection["dead_letters"]!.GetValue<long>() >= 1 && collection["documents_deleted"]!.GetValue<long>() >= 10;
        }, TimeSpan.FromSeconds(60), "the changes and the dead letter to be written", () => Task.FromResult(Process.Output));
    }

    public async Task DisposeAsync()
    {
        await Process.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

using WalSync.Configuration;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Changes to a table's rows that PostgreSQL never publishes as inserts, updates or deletes reach the collection through
/// a rebuild, with the reason in the log. Regression: a column added with a default and values rewritten by ALTER COLUMN
/// … TYPE … USING stayed out of the documents until each row changed again.
/// </summary>
public sealed class SilentChangeTests : IAsyncLifetime
{
    private const string ItemsExpected = "SELECT id::text, jsonb_build_object('name', name, 'qty', qty) FROM items";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("silent");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text, qty int);
            INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 200) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private WalSyncOptions Options(TimeSpan catalogCheckInterval)
    {
        var options = _harness.Options(("public.items", "items"));
        options.Postgres.CatalogCheckInterval = catalogCheckInterval;
        options.Backfill.ChunkRows = 50;
        return options;
    }

    private async Task<string?> ServedAsync(string collection) => await _harness.Client.GetAliasAsync(_harness.Prefix + collection, CancellationToken.None);

    [Fact]
    public async Task RunAsync_ColumnAddedWithADefault_EveryDocumentGetsItWithoutAnyRowChanging()
    {
        // No row changes after the ALTER: only the timed look at the catalog can notice it.
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromSeconds(1)));
        await run.AssertConvergedAsync("items", ItemsExpected);

        await _harness.ExecuteAsync("ALTER TABLE items ADD COLUMN note text; ALTER TABLE items ADD COLUMN status text NOT NULL DEFAULT 'x';");

        // The rebuild's rows reach the serving version too, so the documents converge before the alias moves.
        await _harness.WaitForConvergenceAsync("items", "SELECT id, name, qty, note, status FROM items", run.Running);
        await run.CatchUpAsync();
        Assert.All((await _harness.DocumentsAsync("items")).Values, d => Assert.Equal("x", d["status"]!.GetValue<string>()));
        Assert.Equal(_harness.Prefix + "items__v2", await ServedAsync("items"));
        Assert.Contains(run.Logs.Lines, l => l.Contains("public.items: column status was added with a value for every existing row", StringComparison.Ordinal)
            && l.Contains("rebuilding its collection from the table", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Logs.Lines, l => l.Contains("column note", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TypeChangedWithUsing_DocumentsCarryTheRewrittenValues()
    {
        // A timed look an hour away: the Relation message before the next row is what tells.
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromHours(1)));
        await run.AssertConvergedAsync("items", ItemsExpected);

        await _harness.ExecuteAsync("ALTER TABLE items ALTER COLUMN qty TYPE numeric(6,1) USING qty / 7.0; INSERT INTO items VALUES (1000, 'after', 3.5);");

        await _harness.WaitForConvergenceAsync("items", "SELECT id, name, qty::float8 AS qty FROM items", run.Running);
        await run.CatchUpAsync();
        await _harness.WaitForConvergenceAsync("items", "SELECT id, name, qty::float8 AS qty FROM items", run.Running);
        Assert.Equal(_harness.Prefix + "items__v2", await ServedAsync("items"));
        Assert.Contains(run.Logs.Lines, l => l.Contains("public.items: column qty changed type from integer to numeric(6,1)", StringComparison.Ordinal));
        Assert.Contains(run.Logs.Lines, l => l.Contains("column qty changed type from integer to numeric(6,1)", StringComparison.Ordinal)
            && l.Contains($"filling {_harness.Prefix}items__v2 while {_harness.Prefix}items__v1 keeps serving", StringComparison.Ordinal));
    }
}

using WalSync.Configuration;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Changes to a table's rows that PostgreSQL never publishes as inserts, updates or deletes reach the collection through
/// a rebuild, with the reason in the log. Regressions: a column added with a default and values rewritten by ALTER COLUMN
/// … TYPE … USING stayed out of the documents until each row changed again; the rows of a partition attached with rows
/// never reached Typesense, and those of a detached partition stayed there.
/// </summary>
public sealed class SilentChangeTests : IAsyncLifetime
{
    private const string ItemsExpected = "SELECT id::text, jsonb_build_object('name', name, 'qty', qty) FROM items";
    private const string EventsExpected = "SELECT id::text, jsonb_build_object('what', what) FROM events";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("silent");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text, qty int);
            INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 200) AS g;
            CREATE TABLE events (id int PRIMARY KEY, what text) PARTITION BY RANGE (id);
            CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (1) TO (1000);
            CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (1000) TO (2000);
            INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 80) AS g;
            INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1001, 1060) AS g;
            CREATE TABLE events_3 (id int PRIMARY KEY, what text);
            INSERT INTO events_3 SELECT g, 'there before ' || g FROM generate_series(2001, 2050) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private WalSyncOptions Options(TimeSpan catalogCheckInterval, string table = "items")
    {
        var options = _harness.Options(($"public.{table}", table));
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

    // The watch compares columns with what it saw last: a column added and retyped before it looks (here in one
    // transaction) looks like a plain added column, but the retype rewrote the values the stream had carried. A
    // partitioned table's root has no file of its own: the rewrite shows in its partitions' files.
    [Theory]
    [InlineData("items", "1", "INSERT INTO items VALUES (1000, 'after', 3, 'h')", "SELECT id, name, qty, host FROM items")]
    [InlineData("events", "1001", "INSERT INTO events VALUES (500, 'after', 'h')", "SELECT id, what, host FROM events")]
    public async Task RunAsync_ColumnAddedFilledAndRetypedBeforeTheWatchLooks_DocumentsCarryTheRewrittenValues(string table, string id, string insertAfter, string expected)
    {
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromHours(1), table));
        await run.AssertConvergedAsync(table, table == "items" ? ItemsExpected : EventsExpected);

        await _harness.ExecuteAsync($"""
            BEGIN;
            ALTER TABLE {table} ADD COLUMN host inet;
            UPDATE {table} SET host = '::1' WHERE id IN (1, 2, 1001);
            ALTER TABLE {table} ALTER COLUMN host TYPE text;
            COMMIT;
            {insertAfter};
            """);

        await _harness.WaitForConvergenceAsync(table, expected, run.Running);
        await run.CatchUpAsync();
        await _harness.WaitForConvergenceAsync(table, expected, run.Running);
        Assert.Equal("::1/128", (await _harness.DocumentsAsync(table))[id]["host"]!.GetValue<string>());
        Assert.Contains(run.Logs.Lines, l => l.Contains($"public.{table}: the table's rows were rewritten after column host was added", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PartitionAttachedWithRows_ItsRowsBecomeDocuments()
    {
        // A timed look an hour away: the Relation message of the partition's first new row is what tells.
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromHours(1), "events"));
        await run.AssertConvergedAsync("events", EventsExpected);

        await _harness.ExecuteAsync("ALTER TABLE events ATTACH PARTITION events_3 FOR VALUES FROM (2000) TO (3000);");
        await _harness.ExecuteAsync("INSERT INTO events VALUES (2500, 'after the attach');");

        await _harness.WaitForConvergenceAsync("events", "SELECT id, what FROM events", run.Running);
        await run.AssertConvergedAsync("events", EventsExpected);
        Assert.Equal(51, (await _harness.DocumentsAsync("events")).Keys.Count(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) >= 2000));
        Assert.Equal(_harness.Prefix + "events__v2", await ServedAsync("events"));
        Assert.Contains(run.Logs.Lines, l => l.Contains("public.events: partition public.events_3 was attached with rows in it", StringComparison.Ordinal));
    }

    // Regression: rows written in the transaction that attaches their table share the xmin of its pg_class row, and
    // were taken for rows the stream had carried. Logical decoding reads them as rows of a table outside the publication.
    [Fact]
    public async Task RunAsync_PartitionCreatedFilledAndAttachedInOneTransaction_ItsRowsBecomeDocuments()
    {
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromSeconds(1), "events"));
        await run.AssertConvergedAsync("events", EventsExpected);

        await _harness.ExecuteAsync("""
            BEGIN;
            CREATE TABLE events_9 (LIKE events);
            INSERT INTO events_9 SELECT g, 'loaded apart' FROM generate_series(9000, 9019) g;
            ALTER TABLE events ATTACH PARTITION events_9 FOR VALUES FROM (9000) TO (10000);
            COMMIT;
            """);

        await Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains("partition public.events_9 was attached with rows in it", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the attach to be noticed");
        await run.AssertConvergedAsync("events", EventsExpected);
        Assert.Equal(20, (await _harness.DocumentsAsync("events")).Keys.Count(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) >= 9000));
    }

    [Theory]
    [InlineData("ALTER TABLE events DETACH PARTITION events_2", "detached")]
    [InlineData("DROP TABLE events_2", "dropped")]
    public async Task RunAsync_PartitionDetachedOrDropped_ItsDocumentsGo(string statement, string done)
    {
        // No row changes after the statement: only the timed look at the catalog can notice it.
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromSeconds(1), "events"));
        await run.AssertConvergedAsync("events", EventsExpected);

        await _harness.ExecuteAsync(statement);

        await _harness.WaitForConvergenceAsync("events", "SELECT id, what FROM events", run.Running);
        await run.AssertConvergedAsync("events", EventsExpected);
        Assert.Equal(80, (await _harness.DocumentsAsync("events")).Count);
        Assert.Equal(_harness.Prefix + "events__v2", await ServedAsync("events"));
        Assert.Contains(run.Logs.Lines, l => l.Contains($"public.events: partition public.events_2 was {done}, which publishes no deletes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PartitionCreatedAndWrittenAtOnce_NoRebuild()
    {
        // Its first row brings the Relation message that makes the watch look, so the partition is no longer empty then.
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromHours(1), "events"));
        await run.AssertConvergedAsync("events", EventsExpected);

        await _harness.ExecuteAsync("CREATE TABLE events_4 PARTITION OF events FOR VALUES FROM (3000) TO (4000);");
        await _harness.ExecuteAsync("INSERT INTO events VALUES (3500, 'first row of a new partition');");

        await Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains("public.events: partition public.events_4 was attached without rows the stream did not carry", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the watch to see the new partition");
        Assert.False(run.Service.Backfilling);
        await run.AssertConvergedAsync("events", EventsExpected);
        Assert.Equal(_harness.Prefix + "events__v1", await ServedAsync("events"));
    }

    [Fact]
    public async Task RunAsync_UnloggedPartitionAttached_StopsWithTheFix()
    {
        await using var run = await SyncRun.StartStreamingAsync(_harness, Options(TimeSpan.FromSeconds(1), "events"));
        await run.AssertConvergedAsync("events", EventsExpected);

        await _harness.ExecuteAsync("CREATE UNLOGGED TABLE events_u (id int PRIMARY KEY, what text); ALTER TABLE events ATTACH PARTITION events_u FOR VALUES FROM (5000) TO (6000);");

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => run.Running.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ALTER TABLE public.events_u SET LOGGED;", error.Message, StringComparison.Ordinal);
    }
}

using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;
using WalSync.Typesense;

namespace WalSync.Tests.Backfill;

/// <summary>Backfills and versions in process: a table added later, a collection from before aliases, a rebuild while
/// rows change; each ends with the alias serving a version equal to its table. And the start line's row estimate.</summary>
public sealed class BackfillTests : IAsyncLifetime
{
    private const string ItemsExpected = "SELECT id::text, jsonb_build_object('name', name) FROM items";
    private const string TagsExpected = "SELECT id::text, jsonb_build_object('label', label) FROM tags";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("backfill");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text);
            CREATE TABLE tags (id int PRIMARY KEY, label text);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) AS g;
            INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 120) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private async Task<string?> ServedAsync(string collection) => await _harness.Client.GetAliasAsync(_harness.Prefix + collection, CancellationToken.None);

    [Fact]
    public async Task RunAsync_TableAddedLater_OnlyThatTableIsRead()
    {
        var first = _harness.Options(("public.items", "items"));
        first.Backfill.ChunkRows = 50;
        await using (var run = await SyncRun.StartStreamingAsync(_harness, first))
        {
            await run.AssertConvergedAsync("items", ItemsExpected);
            run.KeepSlot = true;
        }
        await _harness.ExecuteAsync("UPDATE items SET name = 'changed while stopped' WHERE id <= 5; INSERT INTO tags VALUES (500, 'while stopped');");

        var second = _harness.Options(("public.items", "items"), ("public.tags", "tags"));
        second.Backfill.ChunkRows = 50;
        await using var again = await SyncRun.StartStreamingAsync(_harness, second);
        await _harness.ExecuteAsync("INSERT INTO tags VALUES (501, 'while backfilling'); UPDATE tags SET label = 'renamed' WHERE id = 7;");

        await again.AssertConvergedAsync("tags", TagsExpected);
        await again.AssertConvergedAsync("items", ItemsExpected);
        Assert.Equal(_harness.Prefix + "items__v1", await ServedAsync("items"));
        Assert.Equal(_harness.Prefix + "tags__v1", await ServedAsync("tags"));
        Assert.Contains(again.Logs.Lines, l => l.Contains("Backfill of public.tags into", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Logs.Lines, l => l.Contains("Backfill of public.items into", StringComparison.Ordinal));
        Assert.Equal(2L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM walsync.backfills WHERE finished_at IS NOT NULL"));
    }

    [Fact]
    public async Task RunAsync_AnalysedPlainTable_StartLineEstimatesItsRows()
    {
        await _harness.ExecuteAsync("ANALYZE items");

        await using var run = await SyncRun.StartStreamingAsync(_harness, _harness.Options(("public.items", "items")));

        await run.AssertConvergedAsync("items", ItemsExpected);
        Assert.Contains(run.Logs.Lines, l => l.Contains("Backfill of public.items into", StringComparison.Ordinal) && l.EndsWith("about 300 rows", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_CollectionFromBeforeAliases_RebuiltBehindAnAliasAndItsStaleDocumentsGone()
    {
        var plain = _harness.Prefix + "items";
        await _harness.Client.CreateCollectionAsync(new CollectionSchema { Name = plain, Fields = [new FieldSchema { Name = "name", Type = "string" }] }, CancellationToken.None);
        await _harness.Client.ImportAsync(plain, "{\"id\":\"9999\",\"name\":\"row deleted long ago\"}\n{\"id\":\"1\",\"name\":\"old\"}"u8.ToArray(), ImportAction.Upsert, CancellationToken.None);

        await using var run = await SyncRun.StartStreamingAsync(_harness, _harness.Options(("public.items", "items")));

        await run.AssertConvergedAsync("items", ItemsExpected);
        Assert.Equal(plain + "__v1", await ServedAsync("items"));
        Assert.DoesNotContain(plain, await _harness.Client.ListCollectionNamesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RequestRebuild_WhileRowsChange_NewVersionServedOldOneKeptAsConfigured()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 20;
        options.Reindex.KeepVersions = 1;
        await using var run = await SyncRun.StartStreamingAsync(_harness, options);
        await run.AssertConvergedAsync("items", ItemsExpected);

        for (var rebuild = 2; rebuild <= 3; rebuild++)
        {
            run.Service.RequestRebuild("public.items");
            for (var i = 0; i < 20; i++)
            {
                await _harness.ExecuteAsync($"UPDATE items SET name = 'round {rebuild} {i}' WHERE id = {(i * 13 % 300) + 1}; DELETE FROM items WHERE id = {400 + i}; INSERT INTO items VALUES ({400 + i}, 'new');");
            }
            await run.AssertConvergedAsync("items", ItemsExpected);
            Assert.Equal(_harness.Prefix + $"items__v{rebuild}", await ServedAsync("items"));
        }

        var versions = (await _harness.Client.ListCollectionNamesAsync(CancellationToken.None)).Where(c => c.StartsWith(_harness.Prefix + "items__v", StringComparison.Ordinal)).Order();
        Assert.Equal([_harness.Prefix + "items__v2", _harness.Prefix + "items__v3"], versions);
    }
}

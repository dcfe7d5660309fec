using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary><c>walsync reindex</c> against the real daemon: a rebuild while rows change, watched by a searcher on the
/// alias; no daemon; a wrong key and an unknown table.</summary>
public sealed class ReindexCommandTests : IAsyncLifetime
{
    private const int Rows = 2000;
    private const string Expected = "SELECT id::text AS id, name FROM items";
    private const string Key = "reindex-key-0123456789";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("reindexcmd", requireEmulator: true);
        await _harness.ExecuteAsync($"CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, {Rows}) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Reindex_RunningDaemon_AliasMovesToANewVersionWhileASearcherNeverSeesFewerDocuments()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 200;
        options.Http.ApiKey = Key;
        await using var walsync = WalSyncProcess.Run(options);
        var url = await walsync.HttpUrlAsync();
        await walsync.WaitForOutputAsync($"Backfill of public.items into {_harness.Prefix}items__v1 done", TimeSpan.FromSeconds(90));

        // Rows are only inserted and updated meanwhile, so the alias must never serve fewer than the rows there were.
        using var searching = new CancellationTokenSource();
        var searcher = Task.Run(() => AliasSearcher.RunAsync(_harness, "items", searching.Token));
        await using var reindex = WalSyncProcess.Start(["reindex", "--config", WalSyncProcess.WriteConfig(options), "--url", url.ToString(), "--table", "public.items"]);
        for (var i = 1; i <= 20 && !reindex.HasExited; i++)
        {
            await _harness.ExecuteAsync($"UPDATE items SET name = 'changed {i}' WHERE id % 97 = {i}; INSERT INTO items VALUES ({Rows + i}, 'new {i}');");
        }
        var code = await reindex.WaitForExitAsync(TimeSpan.FromMinutes(3));
        await searching.CancelAsync();
        var seen = await searcher;

        Assert.True(code == 0, $"exit code {code}: {reindex.Output}\n{walsync.Output}");
        Assert.Contains($"public.items: rebuilt into {_harness.Prefix}items__v2", reindex.Output, StringComparison.Ordinal);
        Assert.Equal(_harness.Prefix + "items__v2", await _harness.Client.GetAliasAsync(_harness.Prefix + "items", CancellationToken.None));
        Assert.True(seen.Searches > 0, "the searcher never got an answer");
        Assert.Empty(seen.Failures);
        Assert.True(seen.Fewest >= Rows, $"the alias served {seen.Fewest} documents at one point, fewer than the {Rows} rows");
        await _harness.WaitForConvergenceAsync("items", Expected);
    }

    [Fact]
    public async Task Reindex_NoDaemonAnswers_ExitsOneSayingSo()
    {
        var options = _harness.Options(("public.items", "items"));

        await using var reindex = WalSyncProcess.Start(["reindex", "--config", WalSyncProcess.WriteConfig(options), "--url", "http://127.0.0.1:9/"]);
        var code = await reindex.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 1, $"exit code {code}: {reindex.Output}");
        Assert.Contains("no walsync run answers at http://127.0.0.1:9/", reindex.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", reindex.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reindex_WrongKeyOrUnknownTable_ExitsTwoWithTheFix()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Http.ApiKey = Key;
        await using var walsync = WalSyncProcess.Run(options);
        var url = (await walsync.HttpUrlAsync()).ToString();

        options.Http.ApiKey = "not-the-key-0123456789";
        await using (var wrongKey = WalSyncProcess.Start(["reindex", "--config", WalSyncProcess.WriteConfig(options), "--url", url]))
        {
            Assert.Equal(2, await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("send the key of Http:ApiKey", wrongKey.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-key", wrongKey.Output, StringComparison.Ordinal);
        }
        options.Http.ApiKey = Key;
        await using var unknown = WalSyncProcess.Start(["reindex", "--config", WalSyncProcess.WriteConfig(options), "--url", url, "--table", "public.nothing"]);
        Assert.Equal(2, await unknown.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("public.nothing is not in Tables of the configuration; name one of public.items", unknown.Output, StringComparison.Ordinal);
    }
}

using Npgsql;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Backfill;

/// <summary>
/// A transaction the stream delivered before a backfill started, but still invisible to the backfill's snapshots: with
/// synchronous replication a commit is in the WAL (and decoded) while its transaction waits for the standby's answer and
/// is still listed as running. The server here names a standby that never connects, so such a commit waits until the
/// test cancels its wait; WalSync's own sessions commit with <c>synchronous_commit = local</c>.
/// </summary>
public sealed class HiddenCommitTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text, jsonb_build_object('name', name) FROM items";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.OnOwnClusterAsync("synchronous_standby_names = 'ghost'", "synchronous_commit = local");
        await _harness.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) AS g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RequestRebuild_AfterTheStreamDeliveredACommitStillHidden_NewVersionHoldsItsRow()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 50;
        await using var run = await SyncRun.StartStreamingAsync(_harness, options);
        await run.AssertConvergedAsync("items", Expected);

        await using var writer = new NpgsqlConnection(_harness.ConnectionString);
        await writer.OpenAsync();
        var writerPid = writer.ProcessID;
        await using var update = new NpgsqlCommand("SET synchronous_commit = on; UPDATE items SET name = 'renamed' WHERE id = 7", writer);
        var committing = update.ExecuteNonQueryAsync();
        // The stream has the change while the row, read by anyone else, still has its old name.
        await Eventually.HoldsAsync(async () => (await _harness.DocumentsAsync("items")).TryGetValue("7", out var d) && (string?)d["name"] == "renamed",
            TimeSpan.FromSeconds(30), "the stream to deliver the waiting commit");
        Assert.Equal("item 7", await PostgresServer.ScalarAsync<string>(_harness.ConnectionString, "SELECT name FROM items WHERE id = 7"));

        run.Service.RequestRebuild("public.items");
        // Either the rebuild waits for the commit (and says so), or it swaps without it.
        await Eventually.HoldsAsync(async () => run.Logs.Lines.Any(l => l.Contains("delivered but that are not visible yet", StringComparison.Ordinal))
                || await _harness.Client.GetAliasAsync(_harness.Prefix + "items", CancellationToken.None) == _harness.Prefix + "items__v2",
            TimeSpan.FromSeconds(60), "the rebuild to wait for the hidden commit or to finish");
        await PostgresServer.ExecuteAsync(_harness.ConnectionString, $"SELECT pg_cancel_backend({writerPid})");
        await committing;

        await run.AssertConvergedAsync("items", Expected);
        Assert.Equal(_harness.Prefix + "items__v2", await _harness.Client.GetAliasAsync(_harness.Prefix + "items", CancellationToken.None));
    }
}

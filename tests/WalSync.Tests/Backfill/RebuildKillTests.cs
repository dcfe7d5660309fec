using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Backfill;

/// <summary>SIGKILL of the real process during a rebuild and right after its alias moved: each restart resumes the rebuild
/// where it was, and a searcher on the alias never fails nor sees fewer documents than there were rows.</summary>
public sealed class RebuildKillTests : IAsyncLifetime
{
    private const int Rows = 20_000;
    private const string Expected = "SELECT id::text AS id, name FROM items";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("rebuildkill", requireEmulator: true);
        await _harness.ExecuteAsync($"CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, {Rows}) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_KilledDuringARebuildAndAfterItsSwap_ResumesAndTheAliasNeverServesLess()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 200;
        var config = WalSyncProcess.WriteConfig(options);
        var v1 = $"Backfill of public.items into {_harness.Prefix}items__v1";
        var v2 = $"Backfill of public.items into {_harness.Prefix}items__v2";
        await using (var first = WalSyncProcess.Run(options))
        {
            await first.WaitForOutputAsync(v1 + " done", TimeSpan.FromMinutes(2));
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        using var searching = new CancellationTokenSource();
        var searcher = Task.Run(() => AliasSearcher.RunAsync(_harness, "items", searching.Token));
        // Slow imports keep the rebuild going long enough to be killed in the middle of it.
        _harness.Emulator!.Faults.SetDelay(TimeSpan.FromMilliseconds(100));
        await using (var rebuilding = WalSyncProcess.Start(["run", "--config", config, "--reindex", "public.items"]))
        {
            await rebuilding.WaitForOutputAsync(v2 + ": ", TimeSpan.FromMinutes(2));
            await _harness.ExecuteAsync("UPDATE items SET name = 'changed' WHERE id % 101 = 0; INSERT INTO items VALUES (100001, 'new');");
            rebuilding.Kill();
            await rebuilding.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(v2 + " done", rebuilding.Output, StringComparison.Ordinal);
        }

        _harness.Emulator.Faults.SetDelay(TimeSpan.Zero);
        await using (var resumed = WalSyncProcess.Start(["run", "--config", config]))
        {
            await resumed.WaitForOutputAsync(v2 + " done", TimeSpan.FromMinutes(3));
            // Killed the moment the alias has moved: the next start must find everything in place.
            resumed.Kill();
            await resumed.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(v2)} starts after page \d+ of \d+", resumed.Output);
        }
        await _harness.ExecuteAsync("DELETE FROM items WHERE id = 100001; INSERT INTO items VALUES (100002, 'after');");
        await using var last = WalSyncProcess.Start(["run", "--config", config]);
        await _harness.WaitForConvergenceAsync("items", Expected, timeout: TimeSpan.FromMinutes(2));
        await searching.CancelAsync();
        var seen = await searcher;

        Assert.Equal(_harness.Prefix + "items__v2", await _harness.Client.GetAliasAsync(_harness.Prefix + "items", CancellationToken.None));
        Assert.DoesNotContain("Backfill of public.items into", last.Output, StringComparison.Ordinal);
        Assert.True(seen.Searches > 0, "the searcher never got an answer");
        Assert.Empty(seen.Failures);
        Assert.True(seen.Fewest >= Rows, $"the alias served {seen.Fewest} documents at one point, fewer than the {Rows} rows");
        last.Terminate();
        Assert.Equal(0, await last.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}

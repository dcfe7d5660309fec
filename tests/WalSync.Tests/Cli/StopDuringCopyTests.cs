using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>A stop while the first copy is running: walsync exits 0 and says that the next start copies again, which it does.</summary>
public sealed class StopDuringCopyTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, note FROM ledger";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("stopcopy", requireEmulator: true);
        await _harness.ExecuteAsync("CREATE TABLE ledger (id int PRIMARY KEY, note text); " +
            "INSERT INTO ledger SELECT g, 'entry ' || g FROM generate_series(1, 100000) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_SigtermDuringTheFirstCopy_ExitsZeroSayingTheCopyStartsAgain()
    {
        var options = _harness.Options(("public.ledger", "ledger"));
        // Slow imports (0.1 s per batch of 500) keep the copy running for about 20 s, so the stop lands inside it.
        _harness.Emulator!.Faults.SetDelay(TimeSpan.FromMilliseconds(100));
        await using (var first = WalSyncProcess.Run(options))
        {
            await first.WaitForOutputAsync("First start: copying 1 table", TimeSpan.FromSeconds(60));
            first.Terminate();
            var code = await first.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(code == 0, $"exit code {code}: {first.Output}");
            Assert.DoesNotContain("Snapshot copy done", first.Output, StringComparison.Ordinal);
            Assert.Contains("Stopped before the first copy was finished", first.Output, StringComparison.Ordinal);
            Assert.Contains("the next start copies the tables again", first.Output, StringComparison.Ordinal);
            Assert.Null(await _harness.ConfirmedFlushLsnAsync());
        }

        _harness.Emulator.Faults.SetDelay(TimeSpan.Zero);
        await using var second = WalSyncProcess.Run(options);
        await _harness.WaitForConvergenceAsync("ledger", Expected, timeout: TimeSpan.FromMinutes(3));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}

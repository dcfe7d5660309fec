using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>A stop while the first backfill runs: walsync exits 0, and the next start resumes the backfill after the last
/// key it wrote instead of reading the table again.</summary>
public sealed class StopDuringBackfillTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, note FROM ledger";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("stopfill", requireEmulator: true);
        await _harness.ExecuteAsync("CREATE TABLE ledger (id int PRIMARY KEY, note text); " +
            "INSERT INTO ledger SELECT g, 'entry ' || g FROM generate_series(1, 100000) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_SigtermDuringTheFirstBackfill_ExitsZeroAndTheNextStartResumesAfterTheLastKey()
    {
        var options = _harness.Options(("public.ledger", "ledger"));
        options.Backfill.ChunkRows = 1000;
        // Key order here; physical order's resume is in RebuildKillTests.
        options.Backfill.Order = WalSync.Configuration.BackfillOrder.Key;
        // Slow imports (0.1 s per import) keep the backfill running for many seconds, so the stop lands inside it.
        _harness.Emulator!.Faults.SetDelay(TimeSpan.FromMilliseconds(100));
        await using (var first = WalSyncProcess.Run(options))
        {
            await first.WaitForOutputAsync($"Backfill of public.ledger into {_harness.Prefix}ledger__v1: ", TimeSpan.FromSeconds(90));
            first.Terminate();
            var code = await first.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(code == 0, $"exit code {code}: {first.Output}");
            Assert.Contains($"Backfill of public.ledger into {_harness.Prefix}ledger__v1 starts after its first row", first.Output, StringComparison.Ordinal);
            Assert.DoesNotContain($"Backfill of public.ledger into {_harness.Prefix}ledger__v1 done", first.Output, StringComparison.Ordinal);
        }

        _harness.Emulator.Faults.SetDelay(TimeSpan.Zero);
        await using var second = WalSyncProcess.Run(options);
        await second.WaitForOutputAsync($"Backfill of public.ledger into {_harness.Prefix}ledger__v1 done", TimeSpan.FromMinutes(3));
        Assert.Matches($@"Backfill of public\.ledger into {_harness.Prefix}ledger__v1 starts after key \(\d+\)", second.Output);
        await _harness.WaitForConvergenceAsync("ledger", Expected, timeout: TimeSpan.FromMinutes(3));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}

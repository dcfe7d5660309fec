using WalSync.Tests.Infrastructure;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Cli;

/// <summary>The slot's life as the <c>walsync</c> process sees it: invalidated, in use, and a stop while Typesense is down.</summary>
public sealed class SlotLifecycleTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, label FROM things";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        // A tiny WAL allowance lets the test invalidate the slot (wal_status = lost) in a few seconds.
        _harness = await SyncHarness.OnOwnClusterAsync("max_slot_wal_keep_size = 1MB", "min_wal_size = 32MB", "max_wal_size = 64MB");
        await _harness.ExecuteAsync("CREATE TABLE things (id int PRIMARY KEY, label text); INSERT INTO things SELECT g, 'thing ' || g FROM generate_series(1, 100) g;");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_SlotInvalidatedWithStop_ExitsTwoWithRecoveryStepsAndResnapshotRecovers()
    {
        var options = _harness.Options(("public.things", "things"));
        options.Postgres.OnSlotInvalidated = WalSync.Configuration.RecoveryAction.Stop;
        await LoseTheSlotAsync(options);

        await using (var refused = WalSyncProcess.Run(options))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("wal_status = lost", refused.Output, StringComparison.Ordinal);
            Assert.Contains("walsync run --resnapshot", refused.Output, StringComparison.Ordinal);
        }

        await using var recovered = WalSyncProcess.Start(["run", "--config", WalSyncProcess.WriteConfig(options), "--resnapshot"]);
        await _harness.WaitForConvergenceAsync("things", Expected);
        Assert.True((await _harness.DocumentsAsync("things")).ContainsKey("500"));
        recovered.Terminate();
        Assert.Equal(0, await recovered.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Run_SlotInvalidatedWithRebuild_NewSlotAndANewVersionServedWithoutAnyStep()
    {
        var options = _harness.Options(("public.things", "things"));
        await LoseTheSlotAsync(options);

        await using var recovering = WalSyncProcess.Run(options);
        await _harness.WaitForConvergenceAsync("things", Expected);

        Assert.True((await _harness.DocumentsAsync("things")).ContainsKey("500"));
        Assert.Equal(_harness.Prefix + "things__v2", await _harness.Client.GetAliasAsync(_harness.Prefix + "things", CancellationToken.None));
        Assert.Contains("the slot was invalidated", recovering.Output, StringComparison.Ordinal);
        recovering.Terminate();
        Assert.Equal(0, await recovering.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Syncs once, changes rows while WalSync is away, then writes enough unrelated WAL for PostgreSQL to drop
    /// what the slot needed (wal_status = lost).</summary>
    private async Task LoseTheSlotAsync(WalSync.Configuration.WalSyncOptions options)
    {
        await using (var first = WalSyncProcess.Run(options))
        {
            await _harness.WaitForConvergenceAsync("things", Expected);
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        await _harness.ExecuteAsync("INSERT INTO things VALUES (500, 'while the slot was lost'); DELETE FROM things WHERE id = 1; CREATE TABLE churn (x text);");
        await Eventually.HoldsAsync(async () =>
        {
            await _harness.ExecuteAsync("INSERT INTO churn SELECT repeat('x', 1000) FROM generate_series(1, 3000); SELECT pg_switch_wal(); CHECKPOINT;");
            return await PostgresServer.ScalarAsync<string>(_harness.ConnectionString,
                $"SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}'") == "lost";
        }, TimeSpan.FromSeconds(60), "the slot to be invalidated");
    }

    [Fact]
    public async Task Run_SlotInUse_SecondExitsTwoAndStandbyTakesOverWhenFree()
    {
        var options = _harness.Options(("public.things", "things"));
        await using var active = WalSyncProcess.Run(options);
        await _harness.WaitForConvergenceAsync("things", Expected);
        await active.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(30));

        await using var second = WalSyncProcess.Run(options);
        options.Postgres.WaitForSlot = true;
        await using var standby = WalSyncProcess.Start(["run", "--config", WalSyncProcess.WriteConfig(options)]);
        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("is in use by PostgreSQL process", second.Output, StringComparison.Ordinal);
        await standby.WaitForOutputAsync("waiting as a standby", TimeSpan.FromSeconds(30));

        active.Kill();
        await _harness.ExecuteAsync("INSERT INTO things VALUES (600, 'after the takeover')");
        await _harness.WaitForConvergenceAsync("things", Expected);
        standby.Terminate();
        Assert.Equal(0, await standby.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Run_SigtermWhileTypesenseRejectsWrites_ExitsWithinShutdownTimeoutWithoutAcknowledging()
    {
        if (_harness.Emulator is null)
        {
            return; // Fault injection needs the emulator; against a real Typesense this case is not run.
        }
        var options = _harness.Options(("public.things", "things"));
        options.ShutdownTimeout = TimeSpan.FromSeconds(3);
        await using var process = WalSyncProcess.Run(options, new Dictionary<string, string> { ["WALSYNC_LOG_LEVEL"] = "Debug" });
        await _harness.WaitForConvergenceAsync("things", Expected);
        await process.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(30));
        // The first backfill writes its progress into the WAL as it ends; the slot must have passed that before the outage.
        await process.WaitForOutputAsync($"Backfill of public.things into {_harness.Prefix}things__v1 done", TimeSpan.FromSeconds(60));
        var written = await PostgresServer.ScalarAsync<NpgsqlTypes.NpgsqlLogSequenceNumber>(_harness.ConnectionString, "SELECT pg_current_wal_lsn()");
        await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() >= written, TimeSpan.FromSeconds(30),
            "the slot to pass the first backfill's end");
        _harness.Emulator!.Faults.FailWritesFor(TimeSpan.FromMinutes(10), FaultKind.ServiceUnavailable);
        var seen = process.Output.Length;
        await _harness.ExecuteAsync("INSERT INTO things VALUES (700, 'never written')");
        // The only transaction of this database after `seen`: the insert. Keepalives may still move the slot through WAL
        // that other databases on the shared server write, which is correct, so the bound is the insert's own end.
        const string received = "Received the commit of a transaction ending at ";
        await Eventually.HoldsAsync(() => Task.FromResult(process.Output[seen..].Contains(received, StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
            "walsync to receive the insert's commit");
        var tail = process.Output[seen..];
        var at = tail.IndexOf(received, StringComparison.Ordinal) + received.Length;
        var insertEnd = NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(new string([.. tail[at..].TakeWhile(c => char.IsAsciiHexDigit(c) || c == '/')]));
        await Eventually.HoldsAsync(() => Task.FromResult(_harness.Emulator.Faults.FaultsServed > 0), TimeSpan.FromSeconds(30), "the flush to hit the outage");

        var stopped = System.Diagnostics.Stopwatch.StartNew();
        process.Terminate();
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(15), $"took {stopped.Elapsed}");
        Assert.Equal(1, code);
        Assert.Contains("ShutdownTimeout", process.Output, StringComparison.Ordinal);
        var confirmed = await _harness.ConfirmedFlushLsnAsync();
        Assert.True(confirmed < insertEnd, $"the slot acknowledged {confirmed}, past the unwritten insert ending at {insertEnd}");
        _harness.Emulator.Faults.Clear();
    }
}

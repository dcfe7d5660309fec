using System.Diagnostics;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// A transaction that PostgreSQL streams before its commit is kept in <c>$TMPDIR</c>; when that disk is full, the real
/// <c>walsync</c> process says where and what to do, acknowledges nothing of it, and catches up once there is room.
/// </summary>
public sealed class SpoolDiskFullTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("spoolfull");
        await _harness.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);");
        _directory = Path.Combine(Path.GetTempPath(), "walsync-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    public async Task DisposeAsync()
    {
        await RunAsync("umount", "-l", _directory); // fails harmlessly when the test was skipped
        Directory.Delete(_directory, recursive: true);
        await _harness.DisposeAsync();
    }

    [MountFact]
    public async Task Run_TemporaryDirectoryFullDuringAStreamedTransaction_SaysWhereAcknowledgesNothingAndCatchesUpWithRoom()
    {
        await MountAsync("-t", "tmpfs", "-o", "size=1m", "tmpfs", _directory);
        await using var process = WalSyncProcess.Run(_harness.Options(("public.items", "items")),
            new Dictionary<string, string> { ["TMPDIR"] = _directory });
        await process.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(60));

        // About 5 MB of changes: the test servers' logical_decoding_work_mem is 64kB, so PostgreSQL streams it.
        await _harness.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g || repeat('x', 200) FROM generate_series(1, 20000) g");
        var committed = await PostgresServer.ScalarAsync<NpgsqlLogSequenceNumber>(_harness.ConnectionString, "SELECT pg_current_wal_lsn()");
        await process.WaitForOutputAsync($"{_directory}/ is full: WalSync could not keep transaction", TimeSpan.FromSeconds(60));
        Assert.Contains($"Free space in {_directory}/, or set TMPDIR to a writable directory with room for the largest transaction, or set " +
            "Postgres:StreamLargeTransactions to false", process.Output, StringComparison.Ordinal);
        Assert.True(await _harness.ConfirmedFlushLsnAsync() < committed, "the slot passed a transaction that WalSync could not keep");

        await MountAsync("-o", "remount,size=64m", _directory);
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items");
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
        process.Terminate();
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}: {process.Output}");
    }

    private static async Task MountAsync(params string[] arguments)
    {
        var (code, error) = await RunAsync("mount", arguments);
        Assert.True(code == 0, $"mount {string.Join(' ', arguments)}: {error}");
    }

    private static async Task<(int Code, string Error)> RunAsync(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}

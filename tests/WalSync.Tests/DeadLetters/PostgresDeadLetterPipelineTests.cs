using Npgsql;
using WalSync.Configuration;
using WalSync.Tests.Faults;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.DeadLetters;

/// <summary>Dead letters in the default table of the source database.</summary>
public sealed class PostgresDeadLetterPipelineTests : DeadLetterPipelineTests
{
    protected override void UseStore(DeadLetterOptions options)
    {
    }

    protected override Dictionary<string, string> StoreEnvironment() => [];

    [Fact]
    public async Task Flush_DeadLetterTableLocked_SlotDoesNotPassTheTransactionUntilTheDeadLetterIsWritten()
    {
        using var logs = new LogCapture();
        using var stop = new CancellationTokenSource();
        var running = new SyncService(Options(), logs.Factory).RunAsync(stop.Token);
        await Harness.WaitForConvergenceAsync("items", Expected, running);
        await RetypeNoteAsync("string", "int64");
        await using var blocker = new NpgsqlConnection(Harness.ConnectionString);
        await blocker.OpenAsync();
        await using var lockTransaction = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE walsync.dead_letters IN ACCESS EXCLUSIVE MODE", blocker, lockTransaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }
        var seen = logs.CommitEnds.Count;

        await Harness.ExecuteAsync("INSERT INTO items VALUES (1001, 'poison', 'not a number', 1), (1002, 'fine', NULL, 2)");
        var end = await logs.NextCommitEndAsync(seen);
        await Eventually.HoldsAsync(() => PostgresServer.ScalarAsync<bool>(Harness.ConnectionString,
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY%'"),
            TimeSpan.FromSeconds(30), "the dead-letter write to wait for the lock");

        Assert.True((await Harness.DocumentsAsync("items")).ContainsKey("1002"));
        Assert.True(await Harness.ConfirmedFlushLsnAsync() < end, "the slot passed a transaction whose dead letter is not written");
        await lockTransaction.RollbackAsync();
        await Eventually.HoldsAsync(async () => await Harness.ConfirmedFlushLsnAsync() >= end, TimeSpan.FromSeconds(30), "the slot to pass the transaction");
        Assert.Equal("1001", Assert.Single(await StoredAsync()).Letter.DocumentId);
        await stop.CancelAsync();
        await running;
    }
}

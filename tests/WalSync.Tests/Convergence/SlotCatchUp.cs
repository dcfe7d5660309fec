using NpgsqlTypes;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>Waits until WalSync has acknowledged everything written so far: once the slot's confirmed_flush_lsn passes
/// the WAL position taken now, every change before it is in Typesense (acknowledged only after flush).</summary>
/// <remarks>The position is the insert position: with <c>synchronous_commit = off</c> (the test cluster) the write
/// position (<c>pg_current_wal_lsn()</c>) can still be before the last commit record.</remarks>
internal static class SlotCatchUp
{
    /// <summary>Takes <c>pg_current_wal_insert_lsn()</c> and waits for the slot to confirm it.</summary>
    /// <param name="harness">The test's database and slot.</param>
    /// <param name="running">The running sync; if it ends, its error is thrown instead of waiting for the timeout.</param>
    /// <param name="timeout">How long to wait.</param>
    public static async Task WaitAsync(SyncHarness harness, Task running, TimeSpan timeout)
    {
        var target = await PostgresServer.ScalarAsync<NpgsqlLogSequenceNumber>(harness.ConnectionString, "SELECT pg_current_wal_insert_lsn()");
        NpgsqlLogSequenceNumber? confirmed = null;
        await Eventually.HoldsAsync(async () =>
        {
            if (running.IsCompleted)
            {
                await running;
                Assert.Fail("The sync stopped before the slot caught up.");
            }
            confirmed = await harness.ConfirmedFlushLsnAsync();
            return confirmed >= target;
        }, timeout, $"the slot to confirm {target}", () => Task.FromResult($"confirmed_flush_lsn is {confirmed?.ToString() ?? "none"}."));
    }
}

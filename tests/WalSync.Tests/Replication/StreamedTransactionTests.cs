using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Status;
using WalSync.Tests.Faults;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Transactions that outgrow <c>logical_decoding_work_mem</c> (64kB on the test servers, <see cref="TestImage.ServerSettings"/>)
/// are streamed by PostgreSQL before their commit (<c>Postgres:StreamLargeTransactions</c>, the default): WalSync keeps
/// them until the commit, drops aborted ones and aborted subtransactions, and the WAL sender spills nothing.
/// </summary>
/// <remarks>
/// The tests that assert a slot's stream and spill counts run on a server of their own: a slot decodes the WAL of the
/// whole cluster, and a large DDL transaction in another database (another test's schema set-up or drop) is streamed or
/// spilled by every slot, so it shows in this slot's counts (<c>pg_stat_replication_slots</c>) too.
/// </remarks>
public sealed class StreamedTransactionTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, name FROM items";
    private SyncHarness _harness = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task RunAsync_TransactionsLargerThanDecodingMemory_StreamedNotSpilledAndAbortsLeaveNothing()
    {
        await UseAsync(await SyncHarness.OnOwnClusterAsync());
        var (service, stop, running) = Start();
        await WaitForStreamingAsync(service, running);

        // Two big transactions streamed at once, interleaved with a small one that commits between their blocks; the
        // first is rolled back, the second has a subtransaction rolled back and a released one.
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await ExecuteAsync(first, "BEGIN; INSERT INTO items SELECT g, 'doomed ' || g || repeat('x', 100) FROM generate_series(1, 3000) g");
        await ExecuteAsync(second, "BEGIN; INSERT INTO items SELECT g, 'kept ' || g || repeat('x', 100) FROM generate_series(10001, 13000) g");
        await ExecuteAsync(second, "SAVEPOINT a; INSERT INTO items SELECT g, 'undone ' || g || repeat('x', 100) FROM generate_series(13001, 16000) g");
        await _harness.ExecuteAsync("INSERT INTO items VALUES (50000, 'small')");
        await ExecuteAsync(second, "SAVEPOINT b; UPDATE items SET name = 'undone too' WHERE id BETWEEN 10001 AND 10500; ROLLBACK TO a");
        await ExecuteAsync(second, "SAVEPOINT c; UPDATE items SET name = 'updated ' || id WHERE id BETWEEN 10001 AND 12000; RELEASE c");
        await ExecuteAsync(second, "DELETE FROM items WHERE id BETWEEN 12001 AND 12100; INSERT INTO items SELECT g, 'after ' || g FROM generate_series(20001, 21000) g");
        await ExecuteAsync(first, "ROLLBACK");
        await ExecuteAsync(second, "COMMIT");

        await _harness.WaitForConvergenceAsync("items", Expected, running);
        Assert.Equal(2900 + 1000 + 1, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM items"));
        var (streamed, spilled) = await SlotStatisticsAsync();
        Assert.True(streamed >= 2, $"expected both big transactions streamed, pg_stat_replication_slots.stream_txns is {streamed}");
        Assert.Equal(0, spilled);
        // /status and /metrics show the same counts (read every 2 s).
        await Eventually.HoldsAsync(() => Task.FromResult(service.State.Snapshot() is { SlotStreamedTransactions: >= 2, SlotStreamedBytes: > 64 * 1024,
            SlotSpilledTransactions: 0 }), TimeSpan.FromSeconds(30), "the status to count the streamed transactions");
        await stop.CancelAsync();
        await running;

        // walsync status reads the same statistics from PostgreSQL, with or without a daemon.
        await using var status = WalSyncProcess.Start(["status", "--config", WalSyncProcess.WriteConfig(_harness.Options(("public.items", "items")))]);
        await status.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Matches(@"streamed \d+ transaction\(s\), [0-9.]+ [KMG]iB, before their commit", status.Output);
        Assert.DoesNotContain("spilled", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StoppedWhileATransactionIsStreamed_NextRunGetsItWholeAtItsCommit()
    {
        await UseAsync(await SyncHarness.StartAsync("streamed"));
        var (service, stop, running) = Start();
        await WaitForStreamingAsync(service, running);
        await using var open = await OpenAsync();
        await ExecuteAsync(open, "BEGIN; INSERT INTO items SELECT g, 'item ' || g || repeat('x', 100) FROM generate_series(1, 4000) g");
        await Eventually.HoldsAsync(async () => (await SlotStatisticsAsync()).Streamed > 0, TimeSpan.FromSeconds(60),
            "the open transaction to be streamed");
        await _harness.ExecuteAsync("INSERT INTO items VALUES (100000, 'committed meanwhile')");
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items WHERE id = 100000", running);
        await stop.CancelAsync();
        await running;

        // The small transaction's flush acknowledged the slot past the start of the open one; the server streams it again
        // from its start.
        await ExecuteAsync(open, "UPDATE items SET name = 'renamed' WHERE id <= 10; COMMIT");
        var (_, stopAgain, runningAgain) = Start();
        await _harness.WaitForConvergenceAsync("items", Expected, runningAgain);
        await stopAgain.CancelAsync();
        await runningAgain;
    }

    [Fact]
    public async Task RunAsync_StreamLargeTransactionsOff_TheServerSpillsInstead()
    {
        await UseAsync(await SyncHarness.OnOwnClusterAsync());
        var options = _harness.Options(("public.items", "items"));
        options.Postgres.StreamLargeTransactions = false;
        using var logs = new LogCapture();
        var service = new SyncService(options, logs.Factory);
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token);
        await WaitForStreamingAsync(service, running);
        await _harness.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g || repeat('x', 100) FROM generate_series(1, 3000) g");
        await _harness.WaitForConvergenceAsync("items", Expected, running);
        // At least once: a restart of the stream before the slot's restart_lsn passes the transaction (a loaded server)
        // decodes it again, and the WAL sender spills it again.
        var (streamed, spilled) = await SlotStatisticsAsync();
        Assert.True(streamed == 0 && spilled >= 1, $"{streamed} streamed, {spilled} spilled; restarts: " +
            string.Join("; ", logs.Entries.Where(e => e.EventId == 2101).Select(e => e.Message)));
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Run_TemporaryDirectoryRemovedWhileRunning_ExitsTwoNamingTmpdirAndTheNextRunLosesNothing()
    {
        await UseAsync(await SyncHarness.StartAsync("streamed"));
        // A directory missing at start fails the start-up checks (CheckCommandTests); this one goes while walsync runs.
        var missing = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "walsync-missing-" + Guid.NewGuid().ToString("N"))).FullName;
        await using var walsync = WalSyncProcess.Run(_harness.Options(("public.items", "items")), new Dictionary<string, string> { ["TMPDIR"] = missing });
        await walsync.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(60));
        Directory.Delete(missing, recursive: true); // the runtime keeps its diagnostics socket there
        await _harness.ExecuteAsync("INSERT INTO items SELECT g, 'item ' || g || repeat('x', 100) FROM generate_series(1, 3000) g");

        Assert.Equal(2, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("cannot keep transaction", walsync.Output, StringComparison.Ordinal);
        Assert.Contains($"in {missing}/: ", walsync.Output, StringComparison.Ordinal);
        Assert.Contains("Set TMPDIR to a writable directory", walsync.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", walsync.Output, StringComparison.Ordinal);
        Assert.Empty(await _harness.DocumentsAsync("items"));

        // Nothing lost: the slot may have been acknowledged past the transaction's start (its commit is later), and the
        // next run gets it whole.
        var (_, stop, running) = Start();
        await _harness.WaitForConvergenceAsync("items", Expected, running);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Reader_IdleAcknowledgementWhenAStreamedTransactionIsReplayed_AcknowledgesNothing()
    {
        await UseAsync(await SyncHarness.StartAsync("streamed"));
        var options = _harness.Options(("public.items", "items")).Postgres;
        await _harness.ExecuteAsync($"CREATE PUBLICATION {options.Publication} FOR TABLE items");
        await _harness.ExecuteAsync($"SELECT pg_create_logical_replication_slot('{options.Slot}', 'pgoutput')");
        var checkpointer = new Checkpointer();
        checkpointer.StartRun();
        // The idle timer may tick at any moment; this one ticks at the worst: when the reader starts replaying a
        // committed streamed transaction (it logs that before the Begin), the server has already reported the
        // transaction's end (the Stream Commit's WAL end), and nothing of it is in the channel yet.
        var logger = new AcknowledgeOnReplay(checkpointer);
        await using var reader = new ReplicationReader(options, [], logger);
        checkpointer.Attach(reader);
        var channel = Channel.CreateUnbounded<ChangeEvent>();
        using var stop = new CancellationTokenSource();
        var reading = reader.RunAsync(channel.Writer, stop.Token);

        await using var connection = await OpenAsync();
        for (var t = 0; t < 20; t++)
        {
            await ExecuteAsync(connection, $"INSERT INTO items SELECT g, repeat('x', 100) FROM generate_series({t * 1000 + 1}, {(t + 1) * 1000}) g");
        }
        await Eventually.HoldsAsync(() => Task.FromResult(reading.IsCompleted || logger.Replays == 20), TimeSpan.FromSeconds(60),
            "the reader to replay the 20 transactions", () => Task.FromResult($"{logger.Replays} replayed"));
        await stop.CancelAsync();
        await reading;

        // Nothing is ever flushed here, so nothing may be acknowledged at those moments.
        Assert.Equal(20, logger.Replays);
        Assert.Empty(logger.Acknowledged);
    }

    private async Task UseAsync(SyncHarness harness)
    {
        _harness = harness;
        await _harness.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);");
    }

    private (SyncService Service, CancellationTokenSource Stop, Task Running) Start()
    {
        var service = new SyncService(_harness.Options(("public.items", "items")), NullLoggerFactory.Instance);
        var stop = new CancellationTokenSource();
        return (service, stop, service.RunAsync(stop.Token));
    }

    private static async Task WaitForStreamingAsync(SyncService service, Task running) =>
        await Eventually.HoldsAsync(async () =>
        {
            if (running.IsCompleted)
            {
                await running;
            }
            return service.State.Snapshot().Phase == SyncPhase.Streaming;
        }, TimeSpan.FromSeconds(60), "walsync to stream");

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(long Streamed, long Spilled)> SlotStatisticsAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT stream_txns, spill_txns FROM pg_stat_replication_slots WHERE slot_name = '{_harness.Slot}'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>Runs the checkpointer's idle acknowledgement each time the reader logs the replay of a streamed transaction.</summary>
    private sealed class AcknowledgeOnReplay(Checkpointer checkpointer) : ILogger
    {
        private const int ReplayingStreamedTransaction = 1023;
        private int _replays;

        /// <summary>Replays seen; written by the reading loop.</summary>
        public int Replays => Volatile.Read(ref _replays);

        /// <summary>What those acknowledgements sent.</summary>
        public List<NpgsqlLogSequenceNumber> Acknowledged { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == ReplayingStreamedTransaction)
            {
                var before = checkpointer.LastAcknowledged;
                checkpointer.AcknowledgeIdleAsync(CancellationToken.None).GetAwaiter().GetResult();
                if (checkpointer.LastAcknowledged != before)
                {
                    Acknowledged.Add(checkpointer.LastAcknowledged);
                }
                Interlocked.Increment(ref _replays);
            }
        }
    }
}

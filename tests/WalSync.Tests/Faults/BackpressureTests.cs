using Npgsql;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;
using WalSync.TypesenseEmulator;
using Xunit.Abstractions;

namespace WalSync.Tests.Faults;

/// <summary>
/// While Typesense refuses writes, the bounded channel fills and the real <c>walsync</c> process stops reading: the
/// walsender falls behind the WAL by far more than the channel could hold, and the process's peak memory stays put.
/// </summary>
public sealed class BackpressureTests : IAsyncLifetime
{
    // About 48 MiB of WAL: well past what the socket buffers between the walsender and WalSync hold, docker-proxy's too
    // when PostgreSQL runs in a container (about 10 MiB between them).
    private const int Transactions = 240;
    private const int RowsPerTransaction = 200;
    private const long WithheldBytes = 24L * 1024 * 1024;
    private readonly ITestOutputHelper _output;
    private SyncHarness _harness = null!;

    public BackpressureTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("backpressure", requireEmulator: true);
        await _harness.ExecuteAsync(EventWorkload.CreateTable);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_TypesenseRefusesWrites_ReadingPausesMemoryStaysBoundedThenCatchesUp()
    {
        var options = _harness.Options(("public.events", "events"));
        options.Tables[0].ExcludeColumns = ["payload"];
        options.Batch.ChannelCapacity = 100;
        options.Batch.MaxRows = 100;
        await using var walsync = WalSyncProcess.Run(options);
        // Idle means streaming with the first backfill (of the empty table) done, so that its work is not counted as the pause's.
        await Eventually.HoldsAsync(() => Task.FromResult(walsync.Output.Contains("Streaming from slot", StringComparison.Ordinal)
                && walsync.Output.Contains($"Backfill of public.events into {_harness.Prefix}events__v1 done", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "walsync to stream with its first backfill done", () => Task.FromResult(walsync.Output));
        var idlePeak = ProcessMemory.PeakResidentBytes(walsync.Id);
        _harness.Emulator!.Faults.FailFor(TimeSpan.FromHours(1), FaultKind.ServiceUnavailable, FaultScope.Writes);

        var firstEnd = await WriteAsync();
        NpgsqlLogSequenceNumber? previous = null;
        long lag = 0;
        // Reading has paused when the walsender stays put while the WAL is far ahead of it.
        await Eventually.HoldsAsync(async () =>
        {
            var (sent, behind) = await WalsenderAsync();
            var paused = sent == previous && behind > WithheldBytes;
            (previous, lag) = (sent, behind);
            return paused;
        }, TimeSpan.FromSeconds(60), $"the walsender to stop more than {WithheldBytes} bytes behind", () => Task.FromResult($"lag {lag} bytes"));
        var confirmed = await _harness.ConfirmedFlushLsnAsync();
        var pausedPeak = ProcessMemory.PeakResidentBytes(walsync.Id);
        var pausedRss = ProcessMemory.ResidentBytes(walsync.Id);

        _harness.Emulator.Faults.Clear();
        await _harness.WaitForConvergenceAsync("events", EventWorkload.Expected, timeout: TimeSpan.FromSeconds(120));
        var finalPeak = ProcessMemory.PeakResidentBytes(walsync.Id);

        _output.WriteLine($"WAL withheld while paused: {lag / (1024 * 1024)} MiB; peak RSS idle {idlePeak / (1024 * 1024)} MiB, paused " +
            $"{pausedPeak / (1024 * 1024)} MiB (RSS {pausedRss / (1024 * 1024)} MiB), after catching up {finalPeak / (1024 * 1024)} MiB");
        Assert.True(confirmed < firstEnd, $"the slot ({confirmed}) passed a transaction ({firstEnd}) that Typesense refused");
        // Bounded: the paused process grew by less than half the WAL PostgreSQL withheld for it (which is over WithheldBytes).
        Assert.InRange(pausedPeak ?? 0, 1, (idlePeak ?? 0) + (lag / 2));
        Assert.Equal(Transactions * RowsPerTransaction, (await _harness.DocumentsAsync("events")).Count);
    }

    /// <summary>Commits the transactions (about 1 KiB per row) and returns an LSN at or after the first one's end.</summary>
    private async Task<NpgsqlLogSequenceNumber> WriteAsync()
    {
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        NpgsqlLogSequenceNumber? firstEnd = null;
        for (var t = 0; t < Transactions; t++)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO events SELECT g, 1, (SELECT string_agg(md5(g::text || '-' || j), '') FROM generate_series(1, 32) AS j) " +
                "FROM generate_series($1, $2) AS g", connection);
            insert.Parameters.AddWithValue((long)t * RowsPerTransaction + 1);
            insert.Parameters.AddWithValue((long)(t + 1) * RowsPerTransaction);
            await insert.ExecuteNonQueryAsync();
            if (firstEnd is null)
            {
                await using var lsn = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
                firstEnd = (NpgsqlLogSequenceNumber)(await lsn.ExecuteScalarAsync())!;
            }
        }
        return firstEnd!.Value;
    }

    /// <summary>The walsender's sent_lsn for the slot and how many bytes of WAL it is behind.</summary>
    private async Task<(NpgsqlLogSequenceNumber? Sent, long Behind)> WalsenderAsync()
    {
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT r.sent_lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn)::bigint " +
            "FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1", connection);
        command.Parameters.AddWithValue(_harness.Slot);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() && !reader.IsDBNull(0) ? (reader.GetFieldValue<NpgsqlLogSequenceNumber>(0), reader.GetInt64(1)) : (null, 0);
    }
}

using System.Diagnostics;
using NpgsqlTypes;
using WalSync.Cli.Demo;
using WalSync.TypesenseEmulator;

namespace WalSync.LoadHarness;

/// <summary>
/// Runs one throughput workload: writes it once behind five slots created beforehand, then drains each slot in turn
/// with (a) pg_recvlogical, (b) walsync into the null sink, (c) walsync into the emulator, then a and b again. Of a
/// and of b the faster run counts: the machine is shared, and a busy moment should not decide the ratio either way.
/// </summary>
/// <remarks>walsync resumes the existing slot and finds the collection already there (<see cref="CollectionSeed"/>), so
/// it backfills nothing; it adds the table's fields to the collection before it starts streaming. Its time runs from its "Streaming from slot" log line until the slot's confirmed_flush_lsn reaches the
/// workload's last commit. Batch:FlushInterval is 100 ms here: batches fill to Batch:MaxRows long before that, and the
/// interval only decides how long the last, partial batch waits (a 2 s wait would be measured as 2 s of work).</remarks>
internal static class ThroughputRun
{
    private const string ApiKey = "harness";
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs <paramref name="workload"/>; the null sink answers each import <paramref name="sinkLatency"/> after reading it.</summary>
    public static async Task<ThroughputResult> RunAsync(PostgresCluster cluster, Workload workload, string walsyncDll, TimeSpan sinkLatency)
    {
        await using var database = await WorkloadDatabase.CreateAsync(cluster, "load_" + workload.Name.Replace('-', '_'), workload.Schema);
        await database.ExecuteAsync(workload.PrepareSql);
        await database.CreateSlotsAsync("baseline", "null_sink", "emulator", "baseline_again", "null_sink_again");
        Progress.Say($"{workload.Name}: writing {workload.Description}");
        await database.ExecuteAsync(workload.StreamSql);
        var end = await database.RunLastTransactionAsync(workload.LastTransactionSql);
        Progress.Say($"{workload.Name}: ends at {end}; a: pg_recvlogical");
        var baseline = await BaselineAsync(cluster, database, "baseline", end);
        Progress.Say($"{workload.Name}: a took {baseline.TotalSeconds:F2} s; b: walsync into the null sink");
        DrainResult nullSink, emulator;
        await using var sink = await NullTypesense.StartAsync(sinkLatency);
        await CollectionSeed.SeedAsync(sink.Url, ApiKey, workload.Tables);
        nullSink = await DrainAsync(database, "null_sink", sink.Url, end, walsyncDll, workload.Tables);
        Progress.Say($"{workload.Name}: b took {nullSink.Elapsed.TotalSeconds:F2} s, walsync CPU {nullSink.Cpu.TotalSeconds:F2} s, WAL sender CPU {nullSink.WalSenderCpu.TotalSeconds:F2} s; c: walsync into the emulator");
        string check;
        await using (var server = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = ApiKey }))
        {
            await CollectionSeed.SeedAsync(server.Url, ApiKey, workload.Tables);
            emulator = await DrainAsync(database, "emulator", server.Url, end, walsyncDll, workload.Tables);
            var documents = await EmulatorProbe.CountDocumentsAsync(server.Url, ApiKey, workload.Tables);
            var rows = await database.CountRowsAsync(workload.Tables);
            check = documents == rows ? "ok" : $"{documents:N0} documents for {rows:N0} rows";
        }
        Progress.Say($"{workload.Name}: c took {emulator.Elapsed.TotalSeconds:F2} s, walsync CPU {emulator.Cpu.TotalSeconds:F2} s; emulator check: {check}; a again");
        var again = await BaselineAsync(cluster, database, "baseline_again", end);
        Progress.Say($"{workload.Name}: a took {again.TotalSeconds:F2} s the second time; b again");
        baseline = again < baseline ? again : baseline;
        var nullSinkAgain = await DrainAsync(database, "null_sink_again", sink.Url, end, walsyncDll, workload.Tables);
        Progress.Say($"{workload.Name}: b took {nullSinkAgain.Elapsed.TotalSeconds:F2} s, walsync CPU {nullSinkAgain.Cpu.TotalSeconds:F2} s, WAL sender CPU {nullSinkAgain.WalSenderCpu.TotalSeconds:F2} s the second time");
        // The faster run counts; the peak RSS is the larger of the two.
        nullSink = (nullSinkAgain.Elapsed < nullSink.Elapsed ? nullSinkAgain : nullSink) with { PeakRss = Math.Max(nullSink.PeakRss, nullSinkAgain.PeakRss) };
        // The emulator's documents are garbage now; collect them so the next run starts from a small heap.
        GC.Collect();
        return new ThroughputResult(workload, baseline, nullSink, emulator, check);
    }

    /// <summary>Runs pg_recvlogical on <paramref name="slot"/> and checks that it went as far as <paramref name="end"/>.</summary>
    private static async Task<TimeSpan> BaselineAsync(PostgresCluster cluster, WorkloadDatabase database, string slot, NpgsqlLogSequenceNumber end)
    {
        var elapsed = await RecvLogical.RunAsync(cluster, database.Name, slot, end);
        await using var connection = await database.OpenAsync();
        var confirmed = await WorkloadDatabase.ConfirmedFlushAsync(connection, slot);
        return confirmed >= end ? elapsed : throw new InvalidOperationException($"pg_recvlogical stopped at {confirmed}, before the end LSN {end}.");
    }

    /// <summary>Runs walsync on <paramref name="slot"/> until it has acknowledged <paramref name="end"/>; returns the time from its start of streaming and its peak RSS.</summary>
    private static async Task<DrainResult> DrainAsync(WorkloadDatabase database, string slot, Uri typesense, NpgsqlLogSequenceNumber end, string walsyncDll,
        IReadOnlyList<string> tables)
    {
        await using var child = WalSyncChild.Start($"{database.Name}-{slot}", walsyncDll, database.ConnectionString, slot, typesense, ApiKey, FlushInterval, tables);
        var started = await child.WaitForStreamingAsync(TimeSpan.FromMinutes(2));
        var cpuAtStart = child.CpuTime();
        var harnessCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        await using var connection = await database.OpenAsync();
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 1800);
        while (await WorkloadDatabase.ConfirmedFlushAsync(connection, slot) < end)
        {
            if (child.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"walsync did not acknowledge {end} on slot {slot}:\n{child.Output}");
            }
            await Task.Delay(10);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = child.CpuTime() - cpuAtStart;
        // The WAL sender is a process of its own for this connection: all its CPU went to this drain.
        await using var active = new Npgsql.NpgsqlCommand("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", connection);
        active.Parameters.Add(new Npgsql.NpgsqlParameter { Value = slot });
        var walSenderCpu = await active.ExecuteScalarAsync() is int pid ? WalSyncChild.CpuTimeOf(pid) : TimeSpan.Zero;
        // A transaction larger than logical_decoding_work_mem is written to disk and read back, or streamed before its
        // commit: the WAL sender's CPU says more with which.
        await using var spilled = new Npgsql.NpgsqlCommand(
            "SELECT coalesce(spill_bytes, 0), coalesce(stream_bytes, 0) FROM pg_stat_replication_slots WHERE slot_name = $1", connection);
        spilled.Parameters.Add(new Npgsql.NpgsqlParameter { Value = slot });
        long spilledBytes = 0, streamedBytes = 0;
        await using (var statistics = await spilled.ExecuteReaderAsync())
        {
            if (await statistics.ReadAsync())
            {
                (spilledBytes, streamedBytes) = (statistics.GetInt64(0), statistics.GetInt64(1));
            }
        }
        // The sink runs in this process, on the same cores: its share is part of the picture.
        Progress.Say($"{slot}: the harness (sink, polling) used {(Process.GetCurrentProcess().TotalProcessorTime - harnessCpuAtStart).TotalSeconds:F2} s CPU meanwhile");
        var rss = child.PeakRssBytes();
        var exit = await child.StopAsync();
        if (exit != 0)
        {
            throw new InvalidOperationException($"walsync exited with {exit}:\n{child.Output}");
        }
        return new DrainResult(elapsed, cpu, rss, walSenderCpu, spilledBytes, streamedBytes, Stopwatch.GetElapsedTime(child.StartedAt, started));
    }
}

using System.Diagnostics;
using NpgsqlTypes;
using WalSync.Cli.Demo;
using WalSync.TypesenseEmulator;

namespace WalSync.LoadHarness;

/// <summary>
/// Runs one throughput workload: writes it once behind three slots created beforehand, then drains each slot in turn
/// with (a) pg_recvlogical, (b) walsync into the null sink and (c) walsync into the emulator.
/// </summary>
/// <remarks>walsync resumes the existing slot, so it copies nothing; it creates the collection before it starts
/// streaming. Its time runs from its "Streaming from slot" log line until the slot's confirmed_flush_lsn reaches the
/// workload's last commit. Batch:FlushInterval is 100 ms here: batches fill to Batch:MaxRows long before that, and the
/// interval only decides how long the last, partial batch waits (a 2 s wait would be measured as 2 s of work).</remarks>
internal static class ThroughputRun
{
    private const string ApiKey = "harness";
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs <paramref name="workload"/>.</summary>
    public static async Task<ThroughputResult> RunAsync(PostgresCluster cluster, Workload workload, string walsyncDll)
    {
        await using var database = await WorkloadDatabase.CreateAsync(cluster, "load_" + workload.Name.Replace('-', '_'));
        await database.ExecuteAsync(workload.PrepareSql);
        await database.CreateSlotsAsync("baseline", "null_sink", "emulator");
        Progress.Say($"{workload.Name}: writing {workload.Description}");
        await database.ExecuteAsync(workload.StreamSql);
        var end = await database.RunLastTransactionAsync(workload.LastTransactionSql);
        Progress.Say($"{workload.Name}: ends at {end}; a: pg_recvlogical");
        var baseline = await RecvLogical.RunAsync(cluster, database.Name, "baseline", end);
        await using (var connection = await database.OpenAsync())
        {
            var confirmed = await WorkloadDatabase.ConfirmedFlushAsync(connection, "baseline");
            if (confirmed < end)
            {
                throw new InvalidOperationException($"pg_recvlogical stopped at {confirmed}, before the end LSN {end}.");
            }
        }
        Progress.Say($"{workload.Name}: a took {baseline.TotalSeconds:F2} s; b: walsync into the null sink");
        DrainResult nullSink, emulator;
        await using (var sink = await NullTypesense.StartAsync())
        {
            nullSink = await DrainAsync(database, "null_sink", sink.Url, end, walsyncDll);
        }
        Progress.Say($"{workload.Name}: b took {nullSink.Elapsed.TotalSeconds:F2} s, walsync CPU {nullSink.Cpu.TotalSeconds:F2} s; c: walsync into the emulator");
        string check;
        await using (var server = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = ApiKey }))
        {
            emulator = await DrainAsync(database, "emulator", server.Url, end, walsyncDll);
            var documents = await EmulatorProbe.CountDocumentsAsync(server.Url, ApiKey);
            var rows = await database.CountProductsAsync();
            check = documents == rows ? "ok" : $"{documents:N0} documents for {rows:N0} rows";
        }
        Progress.Say($"{workload.Name}: c took {emulator.Elapsed.TotalSeconds:F2} s, walsync CPU {emulator.Cpu.TotalSeconds:F2} s; emulator check: {check}");
        // The emulator's documents are garbage now; collect them so the next run starts from a small heap.
        GC.Collect();
        return new ThroughputResult(workload, baseline, nullSink, emulator, check);
    }

    /// <summary>Runs walsync on <paramref name="slot"/> until it has acknowledged <paramref name="end"/>; returns the time from its start of streaming and its peak RSS.</summary>
    private static async Task<DrainResult> DrainAsync(WorkloadDatabase database, string slot, Uri typesense, NpgsqlLogSequenceNumber end, string walsyncDll)
    {
        await using var child = WalSyncChild.Start($"{database.Name}-{slot}", walsyncDll, database.ConnectionString, slot, typesense, ApiKey, FlushInterval);
        var started = await child.WaitForStreamingAsync(TimeSpan.FromMinutes(2));
        var cpuAtStart = child.CpuTime();
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
        var rss = child.PeakRssBytes();
        var exit = await child.StopAsync();
        if (exit != 0)
        {
            throw new InvalidOperationException($"walsync exited with {exit}:\n{child.Output}");
        }
        return new DrainResult(elapsed, cpu, rss);
    }
}

using Npgsql;
using WalSync.Cli.Demo;
using WalSync.LoadHarness;

// One run: a throwaway PostgreSQL cluster, the throughput workloads (a, b, c each), the backfill (a, b), the live
// latency runs (each also during a backfill), the tables.
if (args.Contains("--help"))
{
    Console.WriteLine(HarnessOptions.Usage);
    return 0;
}
HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n{HarnessOptions.Usage}");
    return 2;
}
var walsync = WalSyncLocator.Find(options.WalSyncPath);
var loadAtStart = MachineLoad.OneMinute();
WalSyncChild.LogDirectory = options.Logs;
await using var otlp = options.Otlp ? await OtlpSink.StartAsync() : null;
if (otlp is not null)
{
    WalSyncChild.Environment = otlp.Environment;
    Progress.Say($"walsync exports over OTLP to {otlp.Url}");
}
if (options.ChildEnvironment.Count > 0)
{
    WalSyncChild.Environment = new Dictionary<string, string>(WalSyncChild.Environment.Concat(options.ChildEnvironment));
    Progress.Say($"walsync runs with {string.Join(' ', options.ChildEnvironment.Select(e => $"{e.Key}={e.Value}"))}");
}
if (options.Values is { } values)
{
    WalSyncChild.Environment = new Dictionary<string, string>(WalSyncChild.Environment) { ["WALSYNC_Postgres__BinaryValues"] = values == "binary" ? "true" : "false" };
    Progress.Say($"walsync asks for {values} values");
}
if (options.Generated is { } generated)
{
    WorkloadDatabase.ProductsExtraSql = "ALTER TABLE products ADD COLUMN price_with_tax numeric(12,2) GENERATED ALWAYS AS (price * 1.2) STORED;";
    WalSyncChild.ReadBackGeneratedColumns = generated == "read-back";
    Progress.Say($"products has a stored generated column; walsync {(WalSyncChild.ReadBackGeneratedColumns ? "reads it back at each flush" : "leaves it out")}");
}
Progress.Say($"walsync: {walsync}");
// Production-like decoding settings: PostgreSQL's default logical_decoding_work_mem (the cluster's own default of
// 64kB is for tests that want spilling), no checkpoints or autovacuum in the middle of a measurement.
await using var cluster = await PostgresCluster.StartAsync(
    [$"logical_decoding_work_mem = '{options.DecodingWorkMem ?? "64MB"}'", "max_wal_size = 16GB", "checkpoint_timeout = 1h", "autovacuum = off"]);
string version;
await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
{
    await connection.OpenAsync();
    version = connection.PostgreSqlVersion.ToString();
}
Progress.Say($"PostgreSQL {version} on port {cluster.Port}, logical_decoding_work_mem {options.DecodingWorkMem ?? "64MB"}");
// Ctrl+C or SIGTERM: stop walsync and the cluster rather than leave them running; the run then fails fast.
var interrupting = 0;
var abandoned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void Abandon()
{
    if (Interlocked.Exchange(ref interrupting, 1) == 0)
    {
        WalSyncChild.KillAll();
        cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        abandoned.TrySetResult();
    }
}
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Progress.Say("interrupted: stopping walsync and the cluster");
    Abandon();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => Abandon();
try
{
    var throughput = new List<ThroughputResult>();
    foreach (var workload in Workload.All(options.Quick, options.BigRows).Where(w => options.Runs(w.Name)))
    {
        throughput.Add(await ThroughputRun.RunAsync(cluster, workload, walsync, options.SinkLatency));
    }
    BackfillResult? backfill = null;
    if (options.Runs("backfill"))
    {
        backfill = await BackfillRun.RunAsync(cluster, walsync, options.Quick, options.ChunkRows, options.SinkLatency, options.BackfillRows);
    }
    var latency = new List<LatencyResult>();
    if (options.Runs("latency") || options.Runs("backfill-latency"))
    {
        foreach (var interval in (TimeSpan[])[TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100)])
        {
            latency.Add(await LatencyRun.RunAsync(cluster, walsync, interval, options.LatencySeconds, options.Rate));
            if (options.Runs("backfill-latency"))
            {
                latency.Add(await LatencyRun.RunAsync(cluster, walsync, interval, options.LatencySeconds, options.Rate,
                    BackfillRun.Rows(options.Quick), options.ChunkRows));
            }
        }
    }
    var report = Report.Format(options, version, (loadAtStart, MachineLoad.OneMinute()), throughput, backfill, latency);
    if (options.Generated is not null)
    {
        report += $"\nproducts with a stored generated column, walsync {(WalSyncChild.ReadBackGeneratedColumns ? "reading it back (ReadBackGeneratedColumns)" : "leaving it out")}.\n";
    }
    if (otlp is not null)
    {
        report += $"\nOTLP export on: the sink received {otlp.Requests:N0} export requests, {otlp.Bytes:N0} bytes.\n";
    }
    Console.Write(report);
    if (options.Output is not null)
    {
        await File.WriteAllTextAsync(options.Output, report);
    }
    return 0;
}
catch (Exception) when (Volatile.Read(ref interrupting) == 1)
{
    await abandoned.Task;
    return 130;
}

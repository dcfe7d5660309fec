using System.Globalization;
using System.Text;
using Npgsql;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>
/// The oracle: a seeded random workload runs against a real PostgreSQL while WalSync streams; when the slot has caught
/// up, every collection's export must equal the documents PostgreSQL itself computes from a SELECT of its table
/// (<see cref="ExpectedSql"/>), every document and every field. Each seed runs with REPLICA IDENTITY DEFAULT and FULL.
/// The workload includes changes the stream does not carry as rows (a partition attached with rows, then detached; columns
/// added with a default), which WalSync repairs by rebuilding.
/// </summary>
/// <remarks>
/// <c>WALSYNC_ORACLE_SEED=123</c> runs only that seed (a failure prints the command); <c>WALSYNC_ORACLE_OPERATIONS</c>
/// changes the number of operations per run (default 300) for longer runs.
/// </remarks>
public sealed class OracleTests
{
    private const string SeedVariable = "WALSYNC_ORACLE_SEED";
    private const string OperationsVariable = "WALSYNC_ORACLE_OPERATIONS";
    private static readonly int[] CiSeeds = [1, 2, 3];
    private static readonly int[] MaxRows = [5, 60, 1000];
    private static readonly int[] FlushMilliseconds = [30, 150, 400];
    private static readonly int[] ChunkRows = [3, 7, 50];

    /// <summary>The seeds to run, each with both replica identities.</summary>
    public static TheoryData<int, string> Runs()
    {
        var chosen = Environment.GetEnvironmentVariable(SeedVariable);
        var seeds = string.IsNullOrWhiteSpace(chosen) ? CiSeeds : [int.Parse(chosen, CultureInfo.InvariantCulture)];
        var runs = new TheoryData<int, string>();
        foreach (var seed in seeds)
        {
            runs.Add(seed, "DEFAULT");
            runs.Add(seed, "FULL");
        }
        return runs;
    }

    /// <summary>The row-filter runs: one seed, each identity (filters over key columns, and over other columns under FULL).</summary>
    public static TheoryData<int, string> FilteredRuns()
    {
        var chosen = Environment.GetEnvironmentVariable(SeedVariable);
        var seed = string.IsNullOrWhiteSpace(chosen) ? 4 : int.Parse(chosen, CultureInfo.InvariantCulture);
        return new TheoryData<int, string> { { seed, "DEFAULT" }, { seed, "FULL" } };
    }

    /// <summary>The kinds table holds types WalSync reads only as text (point, money, …), so these runs stream text.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public Task RunAsync_SeededRandomWorkload_CollectionsEqualTables(int seed, string identity) => RunOracleAsync(seed, identity, filtered: false, rebuild: false);

    /// <summary>Without the types WalSync reads only as text, the stream carries binary values (Postgres:BinaryValues).</summary>
    [Theory]
    [MemberData(nameof(FilteredRuns))]
    public Task RunAsync_SeededRandomWorkloadInBinary_CollectionsEqualTables(int seed, string identity) =>
        RunOracleAsync(seed, identity, filtered: false, rebuild: false, binary: true);

    /// <summary>Every table with <c>Tables[]:Where</c>: rows move in and out of the filters by key changes and updates.</summary>
    [Theory]
    [MemberData(nameof(FilteredRuns))]
    public Task RunAsync_SeededRandomWorkloadWithRowFilters_CollectionsEqualFilteredTables(int seed, string identity) => RunOracleAsync(seed, identity, filtered: true, rebuild: false);

    /// <summary>Transactions of 60 to 250 operations with savepoints rolled back or released: they outgrow the test servers'
    /// <c>logical_decoding_work_mem</c> (64kB), so PostgreSQL streams them before their commit (Postgres:StreamLargeTransactions).</summary>
    [Theory]
    [MemberData(nameof(FilteredRuns))]
    public Task RunAsync_SeededRandomWorkloadInStreamedTransactions_CollectionsEqualTables(int seed, string identity) =>
        RunOracleAsync(seed, identity, filtered: false, rebuild: false, large: true);

    /// <summary>Every collection rebuilt into a new version while the workload goes on: the backfill's chunks and the
    /// stream's changes meet in the new version, which then replaces the old one behind the alias.</summary>
    [Theory]
    [MemberData(nameof(FilteredRuns))]
    public Task RunAsync_SeededRandomWorkloadWithRebuilds_NewVersionsEqualTables(int seed, string identity) => RunOracleAsync(seed, identity, filtered: false, rebuild: true);

    private static async Task RunOracleAsync(int seed, string identity, bool filtered, bool rebuild, bool binary = false, bool large = false)
    {
        var operations = (int.TryParse(Environment.GetEnvironmentVariable(OperationsVariable), CultureInfo.InvariantCulture, out var n) ? n : 300) * (large ? 4 : 1);
        var tables = OracleTables.Create(binaryOnly: binary);
        foreach (var table in tables.Where(_ => filtered))
        {
            table.Where = identity == "FULL" ? table.RowFilters.OnColumn ?? table.RowFilters.OnKey : table.RowFilters.OnKey;
        }
        var workload = new OracleWorkload(seed, tables);
        var transcript = new StringBuilder();
        await using var harness = await SyncHarness.StartAsync("oracle");
        await harness.ExecuteAsync(OracleTables.TypesSql + string.Concat(tables.Select(t => t.CreateSql)));
        await harness.ExecuteAsync(string.Concat(tables.SelectMany(t => t.IdentityTargets).Select(r => $"ALTER TABLE {r} REPLICA IDENTITY {identity};")));
        await using var connection = new NpgsqlConnection(harness.ConnectionString);
        await connection.OpenAsync();
        await RunTransactionAsync(connection, workload.InitialRows(20), commit: true, transcript);

        var options = Options(harness, tables, seed);
        await using var run = SyncRun.Start(harness, options);
        // The first transactions run while the snapshot is copied. Columns are added once streaming: a column added
        // while WalSync starts (between reading the catalog and taking the snapshot) would be copied without its values.
        var random = new Random(seed);
        var rebuildAsked = false;
        var partitioned = tables.Single(t => t.SparePartitionValue is not null);
        var (attached, detached) = (false, false);
        for (var done = 0; done < operations;)
        {
            // Changes the stream does not carry as rows: each waits until WalSync has noticed it, so that the run
            // cannot catch up before the rebuild it needs is asked for.
            if (done >= operations / 3 && !attached)
            {
                await run.StreamingStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
                attached = true;
                await RunTransactionAsync(connection, workload.AttachPartition(partitioned, identity), commit: true, transcript);
                await NoticedAsync(run, $"partition public.{OracleWorkload.SparePartition(partitioned)} was attached");
            }
            if (done >= operations / 2 && !tables[0].Columns.Contains(tables[0].LaterColumns[0]))
            {
                await run.StreamingStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
                await RunTransactionAsync(connection, workload.AddColumns(), commit: true, transcript);
                foreach (var column in tables.SelectMany(t => t.LaterColumns).Where(c => c.Default is not null))
                {
                    await NoticedAsync(run, $"column {column.Name} was added with a value for every existing row");
                }
            }
            if (done >= operations * 2 / 3 && !detached)
            {
                detached = true;
                await RunTransactionAsync(connection, OracleWorkload.DetachPartition(partitioned), commit: true, transcript);
                await NoticedAsync(run, $"partition public.{OracleWorkload.SparePartition(partitioned)} was detached");
            }
            if (rebuild && done >= operations / 3 && !rebuildAsked)
            {
                await run.StreamingStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
                rebuildAsked = true;
                foreach (var table in tables)
                {
                    run.Service.RequestRebuild("public." + table.Name);
                }
            }
            var count = large ? random.Next(60, 250) : random.Next(1, 7);
            var (statements, commit) = workload.NextTransaction(count, savepoints: large);
            await RunTransactionAsync(connection, statements, commit, transcript);
            done += count;
        }
        await run.CatchUpAsync();
        var differences = new List<string>();
        foreach (var table in tables)
        {
            differences.AddRange((await run.DifferencesAsync(table.Collection, table.ExpectedQuery())).Select(d => $"{table.Name}: {d}"));
        }
        foreach (var table in tables.Where(_ => rebuild))
        {
            // Rebuilds for the silent changes may come before or after the one asked for: any version but the first.
            var served = await harness.Client.GetAliasAsync(harness.Prefix + table.Collection, CancellationToken.None);
            if (served is null || served == harness.Prefix + table.Collection + "__v1")
            {
                differences.Add($"{table.Name}: the alias serves {served}, not a rebuilt version");
            }
        }
        var deadLetters = await PostgresServer.ScalarAsync<long>(harness.ConnectionString, "SELECT count(*) FROM walsync.dead_letters");
        if (deadLetters > 0)
        {
            differences.Add($"{deadLetters} dead letters, first: " + await PostgresServer.ScalarAsync<string>(harness.ConnectionString,
                "SELECT table_name || ' ' || document_id || ': ' || error FROM walsync.dead_letters ORDER BY id LIMIT 1"));
        }
        var valueFormat = binary ? ", binary values)" : ", text values)";
        if (!run.Logs.Lines.Any(l => l.Contains(valueFormat, StringComparison.Ordinal)))
        {
            differences.Add($"the stream never started with{valueFormat[1..^1]}");
        }
        var streamed = await PostgresServer.ScalarAsync<long>(harness.ConnectionString,
            $"SELECT coalesce((SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = '{harness.Slot}'), 0)");
        if (large && streamed == 0)
        {
            differences.Add("no transaction was streamed before its commit (pg_stat_replication_slots.stream_txns is 0)");
        }
        await run.StopAsync();

        if (differences.Count > 0)
        {
            var path = Path.Combine(Path.GetTempPath(), $"walsync-oracle-{seed}-{identity}{(filtered ? "-filtered" : "")}{(rebuild ? "-rebuild" : "")}{(binary ? "-binary" : "")}{(large ? "-streamed" : "")}.sql");
            await File.WriteAllTextAsync(path, transcript.ToString());
            await File.WriteAllLinesAsync(Path.ChangeExtension(path, ".log"), run.Logs.Lines);
            Assert.Fail($"Seed {seed}, REPLICA IDENTITY {identity}{(filtered ? ", with row filters" : "")}{(rebuild ? ", with rebuilds" : "")}{(binary ? ", binary values" : "")}{(large ? ", streamed transactions" : "")}: {differences.Count} differences after the slot caught up. " +
                $"Replay with: {SeedVariable}={seed} dotnet test tests/WalSync.Tests --filter \"FullyQualifiedName~{nameof(OracleTests)}\"" +
                $" (batches of {options.Batch.MaxRows} rows / {options.Batch.FlushInterval.TotalMilliseconds} ms; the statements are in {path}, the log next to it).\n" +
                string.Join("\n", differences.Take(25)));
        }
    }

    private static WalSyncOptions Options(SyncHarness harness, OracleTable[] tables, int seed)
    {
        var options = harness.Options();
        foreach (var table in tables)
        {
            options.Tables.Add(table.Options(harness.Prefix));
        }
        // Batch sizes vary with the seed: small batches cut transactions in pieces, large ones coalesce many changes.
        var random = new Random(~seed);
        options.Batch.MaxRows = MaxRows[random.Next(MaxRows.Length)];
        options.Batch.FlushInterval = TimeSpan.FromMilliseconds(FlushMilliseconds[random.Next(FlushMilliseconds.Length)]);
        // Small chunks open many watermark windows while the workload runs.
        options.Backfill.ChunkRows = ChunkRows[random.Next(ChunkRows.Length)];
        // A partition attached or detached is noticed at the catalog check when no row of the table follows it.
        options.Postgres.CatalogCheckInterval = TimeSpan.FromSeconds(1);
        // Seed 2 reads in key order, the others in physical order, the default.
        options.Backfill.Order = seed % 3 == 2 ? BackfillOrder.Key : BackfillOrder.Physical;
        return options;
    }

    private static Task NoticedAsync(SyncRun run, string change) =>
        Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains(change, StringComparison.Ordinal)) || run.Running.IsCompleted),
            TimeSpan.FromSeconds(60), $"WalSync to notice that {change}", () => Task.FromResult("Its log:\n" + string.Join("\n", run.Logs.Lines.Where(l => !l.Contains(" Debug ", StringComparison.Ordinal) || l.Contains("partition", StringComparison.OrdinalIgnoreCase)).TakeLast(30))));

    private static async Task RunTransactionAsync(NpgsqlConnection connection, List<string> statements, bool commit, StringBuilder transcript)
    {
        transcript.Append("BEGIN;\n");
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var statement in statements)
        {
            transcript.Append(statement).Append(";\n");
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"The workload's statement failed ({e.MessageText}): {statement}", e);
            }
        }
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
        transcript.Append(commit ? "COMMIT;\n" : "ROLLBACK;\n");
    }
}

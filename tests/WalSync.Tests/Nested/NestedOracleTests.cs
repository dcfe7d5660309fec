using System.Globalization;
using Npgsql;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Nested;

/// <summary>
/// The nested-document oracle: a seeded random workload over users / organizations / members / projects and products /
/// categories / reviews / tags runs while the real <c>walsync</c> process streams and is killed (SIGKILL) and restarted
/// several times; once it has caught up, every document must equal the one PostgreSQL builds with
/// <c>jsonb_build_object</c> and <c>jsonb_agg</c> (<see cref="NestedSchema"/>).
/// </summary>
/// <remarks><c>WALSYNC_ORACLE_SEED=123</c> runs only that seed; <c>WALSYNC_ORACLE_OPERATIONS</c> changes the number of transactions (default 240).</remarks>
public sealed class NestedOracleTests
{
    private const int Kills = 3;

    /// <summary>The seeds to run.</summary>
    public static TheoryData<int> Seeds()
    {
        var chosen = Environment.GetEnvironmentVariable("WALSYNC_ORACLE_SEED");
        return string.IsNullOrWhiteSpace(chosen) ? new TheoryData<int> { 11, 12, 13 } : new TheoryData<int> { int.Parse(chosen, CultureInfo.InvariantCulture) };
    }

    /// <summary>Starts the process and waits until it streams (a process killed before would test nothing).</summary>
    private static async Task<WalSyncProcess> StartAsync(string config)
    {
        var process = WalSyncProcess.Start(["run", "--config", config]);
        await process.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(90));
        return process;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Run_RandomWorkloadWithKills_DocumentsEqualWhatPostgresBuilds(int seed)
    {
        var transactions = int.TryParse(Environment.GetEnvironmentVariable("WALSYNC_ORACLE_OPERATIONS"), CultureInfo.InvariantCulture, out var n) ? n : 240;
        await using var harness = await SyncHarness.StartAsync("nested_oracle");
        await harness.ExecuteAsync(NestedSchema.Create);
        await harness.ExecuteAsync(NestedSchema.Seed);
        var options = NestedSchema.Options(harness);
        var random = new Random(~seed);
        options.Batch.MaxRows = (int[])[5, 50, 500] is var sizes ? sizes[random.Next(sizes.Length)] : 0;
        options.Backfill.ChunkRows = random.Next(2, 9);
        var config = WalSyncProcess.WriteConfig(options);
        var workload = new NestedWorkload(seed);
        await using var connection = new NpgsqlConnection(harness.ConnectionString);
        await connection.OpenAsync();

        var process = await StartAsync(config);
        // The first fill ends before the workload: a fill that ends after it would rebuild every document and hide
        // what the stream missed.
        foreach (var collection in (string[])["users", "products"])
        {
            await process.WaitForOutputAsync($"into {harness.Prefix}{collection}__v1 done", TimeSpan.FromMinutes(2));
        }
        try
        {
            for (var done = 0; done < transactions; done++)
            {
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    foreach (var statement in workload.NextTransaction())
                    {
                        await using var command = new NpgsqlCommand(statement, connection, transaction);
                        await command.ExecuteNonQueryAsync();
                    }
                    await transaction.CommitAsync();
                }
                if ((done + 1) % (transactions / (Kills + 1)) == 0 && done + 1 < transactions)
                {
                    // Right after a burst of transactions, so that some are read and not yet acknowledged: with no chance
                    // to flush or acknowledge, the next process receives them again and must rebuild their roots.
                    process.Kill();
                    await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    await process.DisposeAsync();
                    process = await StartAsync(config);
                }
            }

            List<string> differences = [];
            await Eventually.HoldsAsync(async () =>
            {
                Assert.False(process.HasExited, "walsync exited: " + process.Output[^Math.Min(3000, process.Output.Length)..]);
                differences = [
                    .. DocumentComparison.Differences(await ExpectedDocuments.LoadAsync(harness.ConnectionString, NestedSchema.ExpectedUsers), await harness.DocumentsAsync("users")).Select(d => "users " + d),
                    .. DocumentComparison.Differences(await ExpectedDocuments.LoadAsync(harness.ConnectionString, NestedSchema.ExpectedProducts), await harness.DocumentsAsync("products")).Select(d => "products " + d),
                ];
                return differences.Count == 0;
            }, TimeSpan.FromMinutes(3), $"seed {seed}: every document to equal what PostgreSQL builds",
            () => Task.FromResult($"{differences.Count} divergent: {string.Join("\n", differences.Take(10))}"));
            var deadLetters = await PostgresServer.ScalarAsync<long>(harness.ConnectionString, "SELECT count(*) FROM walsync.dead_letters");
            Assert.Equal(0, deadLetters);
            process.Terminate();
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await process.DisposeAsync();
        }
    }
}

using Npgsql;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>The real <c>walsync run</c> process: kills, signals and exit codes.</summary>
public sealed class RunCommandTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, name, qty FROM orders";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("run");
        await _harness.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, name text NOT NULL, qty int);
            INSERT INTO orders SELECT g, 'order ' || g, g % 7 FROM generate_series(1, 200) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Run_KilledWithSigkillTwentyTimesMidStream_CollectionEqualsTableAfterRestarts()
    {
        var options = _harness.Options(("public.orders", "orders"));
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var stopWriting = new CancellationTokenSource();
        var writes = WriteContinuouslyAsync(stopWriting.Token);
        for (var kill = 0; kill < 20; kill++)
        {
            await using var process = WalSyncProcess.Run(options);
            // Every other kill lands at a random moment (start-up, snapshot, streaming); the others only after this
            // incarnation acknowledged something, so that kills also land mid-stream after real progress.
            if (kill % 2 == 0)
            {
                await process.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(60));
                var acknowledged = await _harness.ConfirmedFlushLsnAsync();
                await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() != acknowledged, TimeSpan.FromSeconds(60),
                    $"walsync to acknowledge before kill {kill} (seed {seed})", () => Task.FromResult(process.Output));
            }
            else
            {
                await process.WaitForOutputAsync("walsync", TimeSpan.FromSeconds(60), random.Next(0, 1500));
            }
            process.Kill();
            await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        await stopWriting.CancelAsync();
        var written = await writes;
        Assert.True(written > 0);

        await using var last = WalSyncProcess.Run(options);
        await _harness.WaitForConvergenceAsync("orders", Expected);
        last.Terminate();
        var code = await last.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}: {last.Output}");
    }

    [Fact]
    public async Task Run_Sigterm_FlushesAcknowledgesAndExitsZero()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Batch.FlushInterval = TimeSpan.FromSeconds(30);
        await using var process = WalSyncProcess.Run(options, new Dictionary<string, string> { ["WALSYNC_LOG_LEVEL"] = "Debug" });
        await Eventually.HoldsAsync(() => Task.FromResult(process.Output.Contains("Streaming from slot", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "streaming to start", () => Task.FromResult(process.Output));
        // The end of a backfill chunk flushes its batch at once: the insert must come after the first backfill.
        await Eventually.HoldsAsync(() => Task.FromResult(process.Output.Contains("Backfill of public.orders into", StringComparison.Ordinal)
            && process.Output.Contains(" done: ", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the first backfill to finish", () => Task.FromResult(process.Output));
        await _harness.ExecuteAsync("INSERT INTO orders VALUES (1000, 'late', 1)");
        // The 30 s flush interval has not passed: only the graceful stop can flush the insert, once walsync has it.
        await Eventually.HoldsAsync(() => Task.FromResult(process.Output.Contains("Received the commit", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "walsync to receive the insert", () => Task.FromResult(process.Output));
        Assert.False((await _harness.DocumentsAsync("orders")).ContainsKey("1000"));

        process.Terminate();

        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}: {process.Output}");
        Assert.True((await _harness.DocumentsAsync("orders")).ContainsKey("1000"), process.Output);
        var commitEnd = NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(
            System.Text.RegularExpressions.Regex.Match(process.Output, "ending at ([0-9A-F]+/[0-9A-F]+)").Groups[1].Value);
        // The acknowledgement left before the exit; the walsender applies it when it reads it, later through a proxy.
        await Eventually.HoldsAsync(async () => await _harness.ConfirmedFlushLsnAsync() >= commitEnd, TimeSpan.FromSeconds(10),
            $"the slot to be acknowledged up to {commitEnd}", () => Task.FromResult(process.Output));
    }

    [Fact]
    public async Task Run_ConfigurationWithoutApiKey_ExitsTwoNamingTheKeyWithoutStackTrace()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Typesense.ApiKey = "";
        await using var process = WalSyncProcess.Run(options);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Typesense:ApiKey", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PasswordInConnectionString_NeverPrinted()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(_harness.ConnectionString) { Password = "s3cret-pw", Database = "no_such_db" }.ConnectionString;
        await using var process = WalSyncProcess.Run(options);

        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, code);
        Assert.Contains("no_such_db", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(options.Typesense.ApiKey, process.Output, StringComparison.Ordinal);
    }

    /// <summary>Inserts, updates and deletes in small transactions, about 200 a second, until cancelled; returns the
    /// transactions committed.</summary>
    private async Task<int> WriteContinuouslyAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        var random = new Random(42);
        var committed = 0;
        var nextId = 10_000;
        while (!cancellationToken.IsCancellationRequested)
        {
            var id = random.Next(1, nextId);
            var sql = random.Next(5) switch
            {
                0 => $"INSERT INTO orders VALUES ({nextId++}, 'order {nextId}', {random.Next(100)}), ({nextId++}, 'order {nextId}', NULL)",
                1 => $"UPDATE orders SET qty = {random.Next(100)}, name = 'order {id} v{committed}' WHERE id = {id}",
                2 => $"DELETE FROM orders WHERE id = {id}",
                3 => $"BEGIN; UPDATE orders SET qty = qty + 1 WHERE id BETWEEN {id} AND {id + 5}; DELETE FROM orders WHERE id = {id + 6}; COMMIT",
                _ => $"INSERT INTO orders VALUES ({random.Next(1, nextId)}, 'upserted', 3) ON CONFLICT (id) DO UPDATE SET qty = orders.qty + 1",
            };
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            committed++;
            try
            {
                // Pacing the load generator (not synchronisation): a steady stream rather than a flood.
                await Task.Delay(5, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return committed;
    }
}

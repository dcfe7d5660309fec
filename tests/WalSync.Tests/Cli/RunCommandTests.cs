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
    public async Task Run_KilledWithSigkillMidStream_CollectionEqualsTableAfterRestarts()
    {
        var options = _harness.Options(("public.orders", "orders"));
        using var stopWriting = new CancellationTokenSource();
        var writes = WriteContinuouslyAsync(stopWriting.Token);
        for (var kill = 0; kill < 3; kill++)
        {
            await using var process = WalSyncProcess.Run(options);
            // Kill only once this incarnation has written something, so each kill lands mid-stream.
            var before = (await _harness.DocumentsAsync("orders")).Count;
            await Eventually.HoldsAsync(async () => (await _harness.DocumentsAsync("orders")).Count != before || await SlotMovedAsync(),
                TimeSpan.FromSeconds(60), "walsync to write documents before the kill", () => Task.FromResult(process.Output));
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
        Assert.True(await _harness.ConfirmedFlushLsnAsync() >= commitEnd, process.Output);
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

    private async Task<bool> SlotMovedAsync() => await _harness.ConfirmedFlushLsnAsync() is not null && (await _harness.DocumentsAsync("orders")).Count > 0;

    /// <summary>Inserts, updates and deletes in small transactions until cancelled; returns the transactions committed.</summary>
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
            var sql = random.Next(4) switch
            {
                0 => $"INSERT INTO orders VALUES ({nextId++}, 'order {nextId}', {random.Next(100)}), ({nextId++}, 'order {nextId}', NULL)",
                1 => $"UPDATE orders SET qty = {random.Next(100)}, name = name || '+' WHERE id % 13 = {random.Next(13)}",
                2 => $"DELETE FROM orders WHERE id = {id}",
                _ => $"INSERT INTO orders VALUES ({nextId++}, 'order', 3) ON CONFLICT (id) DO UPDATE SET qty = orders.qty + 1",
            };
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            committed++;
            await Task.Yield();
        }
        return committed;
    }
}

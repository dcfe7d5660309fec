using Npgsql;
using WalSync.Checks;
using WalSync.Replication;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Generated columns are in documents where PostgreSQL publishes them (STORED, from 18 on, with the publication WalSync
/// creates), and named at start where it does not. Regression: before 18 they were left out of every document without a
/// word in the log. Where it does not, <c>ReadBackGeneratedColumns</c> reads them back at each flush.
/// </summary>
public sealed class GeneratedColumnsTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;
    private int _serverMajor;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("generated");
        await _harness.ExecuteAsync("""
            CREATE TABLE orders (id int PRIMARY KEY, price numeric, qty int, total numeric GENERATED ALWAYS AS (price * qty) STORED);
            INSERT INTO orders (id, price, qty) SELECT g, g, 2 FROM generate_series(1, 50) AS g;
            """);
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        _serverMajor = connection.PostgreSqlVersion.Major;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private bool Published => _serverMajor >= GeneratedColumns.PublishedFromVersion;

    [Fact]
    public async Task RunAsync_StoredGeneratedColumn_InDocumentsWherePublishedElseNamedAtStart()
    {
        await using var run = await SyncRun.StartStreamingAsync(_harness, _harness.Options(("public.orders", "orders")));
        await _harness.ExecuteAsync("INSERT INTO orders (id, price, qty) VALUES (51, 1.5, 4); UPDATE orders SET qty = 3 WHERE id = 7;");

        await run.AssertConvergedAsync("orders", Published
            ? "SELECT id::text, jsonb_build_object('price', price, 'qty', qty, 'total', total) FROM orders"
            : "SELECT id::text, jsonb_build_object('price', price, 'qty', qty) FROM orders");
        var named = run.Logs.Lines.Where(l => l.Contains("public.orders: the generated column(s) total are not in its documents", StringComparison.Ordinal)).ToList();
        Assert.Equal(Published ? 0 : 1, named.Count);
        Assert.All(named, l => Assert.Contains("Warning", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ReadBackGeneratedColumns_DocumentsCarryThemAfterCopyInsertUpdateAndDelete()
    {
        if (Published)
        {
            // PostgreSQL 18 publishes the stored column; a virtual one it never publishes is read back.
            await _harness.ExecuteAsync("ALTER TABLE orders ADD COLUMN label text GENERATED ALWAYS AS ('order ' || id) VIRTUAL");
        }
        var options = _harness.Options(("public.orders", "orders"));
        options.Tables[0].ReadBackGeneratedColumns = true;
        await using var run = await SyncRun.StartStreamingAsync(_harness, options);
        await _harness.ExecuteAsync("""
            INSERT INTO orders (id, price, qty) VALUES (51, 1.5, 4);
            UPDATE orders SET qty = 3 WHERE id = 7;
            UPDATE orders SET price = price + 1 WHERE id BETWEEN 20 AND 29;
            DELETE FROM orders WHERE id = 9;
            """);

        await run.AssertConvergedAsync("orders", Published
            ? "SELECT id::text, jsonb_build_object('price', price, 'qty', qty, 'total', total, 'label', label) FROM orders"
            : "SELECT id::text, jsonb_build_object('price', price, 'qty', qty, 'total', total) FROM orders");
        Assert.DoesNotContain(run.Logs.Lines, l => l.Contains("are not in its documents", StringComparison.Ordinal));
        Assert.Single(run.Logs.Lines, l => l.Contains(
            $"public.orders: the generated column(s) {(Published ? "label" : "total")} are not in the stream; they are read back by key at each flush",
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_ReadBackGeneratedColumns_NoWarning()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Tables[0].ReadBackGeneratedColumns = true;

        var results = await new StartupChecks(options).RunAsync(CancellationToken.None);

        Assert.DoesNotContain(results, r => r.Name.StartsWith("generated columns", StringComparison.Ordinal));
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Failed);
    }

    [Fact]
    public async Task Check_StoredGeneratedColumnNotPublished_WarningNamingIt()
    {
        var results = await new StartupChecks(_harness.Options(("public.orders", "orders"))).RunAsync(CancellationToken.None);

        var generated = results.Where(r => r.Name == "generated columns of public.orders").ToList();
        if (Published)
        {
            Assert.Empty(generated);
            return;
        }
        var warning = Assert.Single(generated);
        Assert.Equal(CheckStatus.Warning, warning.Status);
        Assert.Contains($"only from version 18 on (this server is {_serverMajor}.", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Tables[]:ExcludeColumns", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Tables[]:ReadBackGeneratedColumns", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Failed);
    }

    [Fact]
    public async Task Check_GeneratedColumnExcluded_NoWarning()
    {
        var options = _harness.Options(("public.orders", "orders"));
        options.Tables[0].ExcludeColumns = ["total"];

        var results = await new StartupChecks(options).RunAsync(CancellationToken.None);

        Assert.DoesNotContain(results, r => r.Name.StartsWith("generated columns", StringComparison.Ordinal));
    }
}

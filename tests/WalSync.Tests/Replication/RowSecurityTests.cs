using System.Text.RegularExpressions;
using WalSync.Configuration;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Row-level security against a dedicated replication role: the WAL stream ignores policies, a SELECT does not, so
/// WalSync refuses a table the role would see only in part. Regression: the first copy read 0 of 100 rows of an RLS table and said nothing.
/// </summary>
public sealed class RowSecurityTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;
    private ReplicationRole _role = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("rls");
        await _harness.ExecuteAsync("""
            CREATE TABLE products (id int PRIMARY KEY, name text, tenant text);
            INSERT INTO products SELECT g, 'product ' || g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 100) AS g;
            ALTER TABLE products ENABLE ROW LEVEL SECURITY;
            CREATE PUBLICATION walsync_test FOR TABLE products WITH (publish_via_partition_root = true);
            """);
        _role = await ReplicationRole.CreateAsync(_harness, "products");
        await _role.CreateWalSyncTablesAsync();
        // A policy that shows the role half of the rows, the way an application's tenant policy would.
        await _harness.ExecuteAsync($"CREATE POLICY tenant_a ON products FOR SELECT TO {_role.Name} USING (tenant = 'a');");
    }

    public async Task DisposeAsync()
    {
        await _role.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private WalSyncOptions Options() => _role.Use(_harness.Options(("public.products", "products")));

    [Fact]
    public async Task Run_PoliciesHideRowsFromTheRole_ExitsTwoWithBothFixes()
    {
        await using var process = WalSyncProcess.Run(Options());

        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = process.Output;
        Assert.True(code == 2, $"exit code {code}: {output}");
        Assert.Contains("Row-level security is enabled on public.products", output, StringComparison.Ordinal);
        Assert.Contains($"ALTER ROLE \"{_role.Name}\" BYPASSRLS;", output, StringComparison.Ordinal);
        Assert.Contains($"FOR SELECT TO \"{_role.Name}\" USING (true);", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Null(await _harness.ConfirmedFlushLsnAsync());
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("bypassrls")]
    public async Task RunAsync_AfterTheFix_CollectionEqualsTheWholeTable(string fix)
    {
        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => new SyncService(Options(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
            .RunAsync(CancellationToken.None));
        // The statement the message gives, run as it stands.
        var statement = Regex.Match(refused.Message, fix == "policy" ? "CREATE POLICY [^;]+;" : "ALTER ROLE [^;]+;");
        Assert.True(statement.Success, refused.Message);
        await _harness.ExecuteAsync(statement.Value);

        await using var run = await SyncRun.StartStreamingAsync(_harness, Options());
        await _harness.ExecuteAsync("INSERT INTO products VALUES (101, 'new', 'b'); UPDATE products SET name = 'renamed' WHERE id IN (1, 2); DELETE FROM products WHERE id = 3;");

        await run.AssertConvergedAsync("products", "SELECT id::text, jsonb_build_object('name', name, 'tenant', tenant) FROM products");
        Assert.Equal(100, (await _harness.DocumentsAsync("products")).Count);
    }
}

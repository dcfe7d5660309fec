using Microsoft.Extensions.Logging.Abstractions;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// <c>Tables[]:Where</c> and publications with row filters and column lists, with a non-superuser replication role: the
/// collection holds exactly the rows the stream sends, from the first copy on. Regression: with a publication made
/// <c>WHERE (published)</c>, the copy took all 100 rows, not the 50 the stream keeps current.
/// </summary>
public sealed class RowFilterTests : IAsyncLifetime
{
    private const string Document = "jsonb_build_object('name', name, 'published', published, 'big', big)";
    private SyncHarness _harness = null!;
    private ReplicationRole _role = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("rowfilter");
        await _harness.ExecuteAsync("""
            CREATE TABLE products (id int PRIMARY KEY, name text, published boolean NOT NULL, big text);
            ALTER TABLE products ALTER COLUMN big SET STORAGE EXTERNAL;
            INSERT INTO products SELECT g, 'product ' || g, g % 2 = 0, repeat('big ' || g, 3000) FROM generate_series(1, 100) AS g;
            """);
        _role = await ReplicationRole.CreateAsync(_harness, "products");
    }

    public async Task DisposeAsync()
    {
        await _role.DisposeAsync();
        await _harness.DisposeAsync();
    }

    /// <summary>Lets the role create the publication and the dead-letter table, as the README's set-up does.</summary>
    private async Task<WalSyncOptions> OwnerOptionsAsync(string where)
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(_harness.ConnectionString).Database;
        await _harness.ExecuteAsync($"GRANT CREATE ON DATABASE \"{database}\" TO {_role.Name}; ALTER TABLE products OWNER TO {_role.Name};");
        var options = _role.Use(_harness.Options(("public.products", "products")));
        options.Tables[0].Where = where;
        return options;
    }

    [Theory]
    [InlineData("FULL", "published")]
    [InlineData("DEFAULT", "id % 2 = 0")]
    public async Task RunAsync_Where_CollectionEqualsTheFilteredTableThroughMovesInAndOut(string identity, string where)
    {
        await _harness.ExecuteAsync($"ALTER TABLE products REPLICA IDENTITY {identity};");
        var options = await OwnerOptionsAsync(where);
        var expected = $"SELECT id::text, {Document} FROM products WHERE {where}";
        await using var run = await SyncRun.StartStreamingAsync(_harness, options);
        await run.AssertConvergedAsync("products", expected);
        Assert.Equal(50, (await _harness.DocumentsAsync("products")).Count);
        Assert.True(await PostgresServer.ScalarAsync<bool>(_harness.ConnectionString,
            "SELECT rowfilter IS NOT NULL FROM pg_publication_tables WHERE pubname = 'walsync_test'"));

        // Inserts on both sides; rows moving in (their TOASTed column untouched, so without FULL it must be read back)
        // and out; updates inside; deletes on both sides.
        await _harness.ExecuteAsync("""
            INSERT INTO products VALUES (101, 'new odd', false, 'small'), (102, 'new even', true, 'small');
            UPDATE products SET published = true WHERE id IN (1, 3);
            UPDATE products SET published = false WHERE id IN (2, 4);
            UPDATE products SET id = id + 1001 WHERE id IN (5, 6, 7, 8);
            UPDATE products SET name = 'renamed' WHERE id BETWEEN 10 AND 30;
            UPDATE products SET big = 'rewritten' WHERE id IN (40, 41);
            DELETE FROM products WHERE id IN (50, 51);
            """);

        await run.AssertConvergedAsync("products", expected);
        var documents = await _harness.DocumentsAsync("products");
        var movedIn = identity == "FULL" ? "1" : "1006";
        Assert.StartsWith("big ", documents[movedIn]["big"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WhereOnAColumnOutsideTheReplicaIdentity_RefusedWithTheFixAndTableLeftWritable()
    {
        var options = await OwnerOptionsAsync("published");

        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => new SyncService(options, NullLoggerFactory.Instance).RunAsync(CancellationToken.None));

        Assert.Contains("uses published, which is not in its replica identity (id)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \"public\".\"products\" REPLICA IDENTITY FULL;", refused.Message, StringComparison.Ordinal);
        // The publication was rolled back, so the application's updates still work.
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM pg_publication"));
        await _harness.ExecuteAsync("UPDATE products SET name = 'still writable' WHERE id = 1; DELETE FROM products WHERE id = 2;");
    }

    [Theory]
    [InlineData("publishd", "column \"publishd\" does not exist")]
    [InlineData("name", "argument of WHERE must be type boolean")]
    [InlineData("true); DROP TABLE products; --", "Where of public.products")]
    public async Task RunAsync_InvalidWhere_RefusedNamingTheTable(string where, string expected)
    {
        var options = await OwnerOptionsAsync(where);

        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => new SyncService(options, NullLoggerFactory.Instance).RunAsync(CancellationToken.None));

        Assert.Contains($"Where of public.products ({where}) is not a valid condition", refused.Message, StringComparison.Ordinal);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Equal(100L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM products"));
    }

    [Fact]
    public async Task RunAsync_PublicationWithRowFilterAndColumnList_Honoured()
    {
        await _harness.ExecuteAsync("CREATE PUBLICATION walsync_test FOR TABLE products (id, name, published) WHERE (id % 2 = 0);");
        await _role.CreateWalSyncTablesAsync();
        const string expected = "SELECT id::text, jsonb_build_object('name', name, 'published', published) FROM products WHERE id % 2 = 0";
        await using var run = await SyncRun.StartStreamingAsync(_harness, _role.Use(_harness.Options(("public.products", "products"))));
        await run.AssertConvergedAsync("products", expected);

        await _harness.ExecuteAsync("UPDATE products SET id = id + 1001 WHERE id <= 10; INSERT INTO products VALUES (200, 'x', true, 'y'); DELETE FROM products WHERE id = 20;");

        await run.AssertConvergedAsync("products", expected);
        Assert.Contains(run.Logs.Lines, l => l.Contains("filters public.products with ((id % 2) = 0)", StringComparison.Ordinal));
        Assert.Contains(run.Logs.Lines, l => l.Contains("publishes 3 of the 4 columns of public.products", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("id%2=0", null, null)]
    [InlineData("id % 2 = 1", null, "but the existing publication 'walsync_test' filters it with ((id % 2) = 0)")]
    [InlineData(null, "big", "names big, which the publication 'walsync_test' does not publish")]
    public async Task RunAsync_PublicationAndConfigurationDisagree_RefusedOrAcceptedWhenEquivalent(string? where, string? column, string? refusal)
    {
        await _harness.ExecuteAsync("CREATE PUBLICATION walsync_test FOR TABLE products (id, name, published) WHERE (id % 2 = 0);");
        await _role.CreateWalSyncTablesAsync();
        var options = _role.Use(_harness.Options(("public.products", "products")));
        options.Tables[0].Where = where;
        options.Tables[0].Columns = column is null ? null : ["name", column];
        await using var source = new SourceDatabase(options.Postgres, NullLogger.Instance);
        var described = await source.DescribeTableAsync(options.Tables[0], CancellationToken.None);

        if (refusal is null)
        {
            var tables = await source.EnsurePublicationAsync([described], CancellationToken.None);
            Assert.Equal("((id % 2) = 0)", tables[0].RowFilter);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<ConfigurationException>(() => source.EnsurePublicationAsync([described], CancellationToken.None));
            Assert.Contains(refusal, refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RetryAsync_RowLeftTheFilterWhileDeadLettered_DocumentDeletedNotWritten()
    {
        await _harness.ExecuteAsync("ALTER TABLE products ADD COLUMN price numeric; ALTER TABLE products REPLICA IDENTITY FULL;");
        var options = await OwnerOptionsAsync("published");
        await using (var run = await SyncRun.StartStreamingAsync(_harness, options))
        {
            await _harness.ExecuteAsync("UPDATE products SET price = 'NaN' WHERE id IN (2, 4);");
            await Eventually.HoldsAsync(async () => await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
                "SELECT count(*) FROM walsync.dead_letters") == 2, TimeSpan.FromSeconds(30), "two dead letters");
            await run.StopAsync();
        }
        // Fixed while WalSync is down: row 2 leaves the filter, row 4 gets a price.
        await _harness.ExecuteAsync("UPDATE products SET price = 1, published = false WHERE id = 2; UPDATE products SET price = 4 WHERE id = 4;");

        await using var dataSource = Npgsql.NpgsqlDataSource.Create(options.Postgres.ConnectionString);
        var store = DeadLetterStores.Create(options.DeadLetter, dataSource);
        var result = await new DeadLetterRetrier(options, store, _harness.Client).RetryAsync(new DeadLetterQuery(), CancellationToken.None);

        Assert.Equal((1, 1, 0), (result.Written, result.Deleted, result.Failures.Count));
        var documents = await _harness.DocumentsAsync("products");
        Assert.DoesNotContain("2", documents.Keys);
        Assert.Equal(4.0, documents["4"]["price"]!.GetValue<double>());
    }
}

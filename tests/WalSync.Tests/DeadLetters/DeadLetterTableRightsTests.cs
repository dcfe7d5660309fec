using Npgsql;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.DeadLetters;

/// <summary>
/// The dead-letter table and a role without CREATE on the database. Regression: a table an administrator had created
/// and granted was refused with "cannot be created (permission denied for database …)", because WalSync ran
/// <c>CREATE SCHEMA IF NOT EXISTS</c> before looking for it.
/// </summary>
public sealed class DeadLetterTableRightsTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;
    private ReplicationRole _role = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("dlrights");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, price numeric);
            INSERT INTO items SELECT g, g FROM generate_series(1, 10) AS g;
            CREATE PUBLICATION walsync_test FOR TABLE items WITH (publish_via_partition_root = true);
            """);
        _role = await ReplicationRole.CreateAsync(_harness, "items");
    }

    public async Task DisposeAsync()
    {
        await _role.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private NpgsqlDataSource RoleDataSource() => NpgsqlDataSource.Create(_role.Use(_harness.Options()).Postgres.ConnectionString);

    [Fact]
    public async Task RunAsync_TableCreatedByAnAdministrator_RoleWithoutCreateWritesDeadLettersThere()
    {
        await _role.CreateWalSyncTablesAsync();
        await using var run = await SyncRun.StartStreamingAsync(_harness, _role.Use(_harness.Options(("public.items", "items"))));
        await run.CatchUpAsync();

        await _harness.ExecuteAsync("UPDATE items SET price = 'NaN' WHERE id = 3;");

        await Eventually.HoldsAsync(async () => await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
            "SELECT count(*) FROM walsync.dead_letters WHERE document_id = '3'") == 1, TimeSpan.FromSeconds(30), "the dead letter of row 3");
        Assert.False(await PostgresServer.ScalarAsync<bool>(_harness.ConnectionString,
            $"SELECT has_database_privilege('{_role.Name}', current_database(), 'CREATE')"));
    }

    [Fact]
    public async Task InitializeAsync_TableMissingAndNoCreateRight_PrintsStatementsThatWorkAsTheyStand()
    {
        await using var dataSource = RoleDataSource();
        var store = new PostgresDeadLetterStore(dataSource, "walsync.dead_letters");

        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => store.InitializeAsync(CancellationToken.None));

        Assert.Contains("does not exist and the role", refused.Message, StringComparison.Ordinal);
        var start = refused.Message.IndexOf("CREATE SCHEMA", StringComparison.Ordinal);
        var end = refused.Message.IndexOf("or set DeadLetter:Table", StringComparison.Ordinal);
        await _harness.ExecuteAsync(refused.Message[start..end]);
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteAsync([new DeadLetter("public.items", "items", "1", ["1"], "upsert", NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid, "test", "{}")], CancellationToken.None);
        Assert.Single(await store.ListAsync(new DeadLetterQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task InitializeAsync_TableExistsButNotGranted_SaysWhatToGrant()
    {
        await _harness.ExecuteAsync("CREATE SCHEMA walsync; CREATE TABLE walsync.dead_letters (id bigint);");
        await using var dataSource = RoleDataSource();

        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => new PostgresDeadLetterStore(dataSource, "walsync.dead_letters").InitializeAsync(CancellationToken.None));

        Assert.Contains($"may not write the dead-letter table walsync.dead_letters", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"GRANT SELECT, INSERT, UPDATE ON \"walsync\".\"dead_letters\" TO \"{_role.Name}\";", refused.Message, StringComparison.Ordinal);
    }
}

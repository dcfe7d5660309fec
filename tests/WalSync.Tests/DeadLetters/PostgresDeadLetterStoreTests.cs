using Npgsql;
using WalSync.DeadLetters;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.DeadLetters;

public sealed class PostgresDeadLetterStoreTests : DeadLetterStoreContractTests
{
    private NpgsqlDataSource _dataSource = null!;
    private string _connectionString = "";

    protected override async Task<IDeadLetterArchive> CreateStoreAsync()
    {
        _connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dlstore");
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        return new PostgresDeadLetterStore(_dataSource, "ops.failed_documents");
    }

    public override async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task InitializeAsync_TableMissing_CreatesItInItsSchema()
    {
        var exists = await PostgresServer.ScalarAsync<bool>(_connectionString, "SELECT to_regclass('ops.failed_documents') IS NOT NULL");

        Assert.True(exists);
    }

    [Fact]
    public async Task ListAsync_TableNotCreatedYet_Empty()
    {
        var store = new PostgresDeadLetterStore(_dataSource, "nowhere.dead_letters");

        Assert.Empty(await store.ListAsync(new DeadLetterQuery(), CancellationToken.None));
    }
}

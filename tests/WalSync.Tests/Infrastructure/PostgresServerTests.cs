
namespace WalSync.Tests.Infrastructure;

public class PostgresServerTests
{
    [Fact]
    public async Task CreateDatabaseAsync_SharedServer_HasLogicalWalLevel()
    {
        var server = await PostgresServer.GetAsync();
        var database = await server.CreateDatabaseAsync("fixture");

        var walLevel = await PostgresServer.ScalarAsync<string>(database, "SHOW wal_level");

        Assert.Equal("logical", walLevel);
    }
}

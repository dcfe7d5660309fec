using Npgsql;
using Npgsql.Replication;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

public class ReplicationHostTests
{
    [Fact]
    public async Task ConnectionStringAsync_OneHost_IsTheSessionSettingsString()
    {
        const string connectionString = "Host=db.example;Port=5433;Username=walsync;Database=shop";

        var result = await ReplicationHost.ConnectionStringAsync(connectionString, "walsync", CancellationToken.None);

        Assert.Equal(SessionSettings.Apply(connectionString, "walsync"), result);
    }

    [Fact]
    public async Task ConnectionStringAsync_DeadHostFirst_NamesOnlyTheLiveOneAndReplicationConnects()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("replhost");
        var live = new NpgsqlConnectionStringBuilder(database);
        var deadPort = ClosedPort();
        var several = new NpgsqlConnectionStringBuilder(database) { Host = $"127.0.0.1:{deadPort},{live.Host}:{live.Port}" }.ConnectionString;

        var result = new NpgsqlConnectionStringBuilder(await ReplicationHost.ConnectionStringAsync(several, "walsync", CancellationToken.None));

        Assert.Equal(live.Host, result.Host);
        Assert.Equal(live.Port, result.Port);
        Assert.Null(result.TargetSessionAttributes);
        await using var replication = new LogicalReplicationConnection(result.ConnectionString);
        await replication.Open();
        Assert.Equal(live.Database, (await replication.IdentifySystem()).DbName);
    }

    [Fact]
    public void Apply_SeveralHostsWithoutTargetSessionAttributes_ConnectsToThePrimary()
    {
        var builder = new NpgsqlConnectionStringBuilder(SessionSettings.Apply("Host=a,b;Username=u", "walsync"));

        Assert.Equal("primary", builder.TargetSessionAttributes);
    }

    [Fact]
    public void Apply_SeveralHostsWithTargetSessionAttributes_KeepsThem()
    {
        var builder = new NpgsqlConnectionStringBuilder(SessionSettings.Apply("Host=a,b;Username=u;Target Session Attributes=read-write", "walsync"));

        Assert.Equal("read-write", builder.TargetSessionAttributes);
    }

    /// <summary>A loopback port nothing listens on: taken from the system, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using Npgsql;
using WalSync.Replication;

namespace WalSync.Tests.Replication;

/// <summary>The replication connection and the pooled ones (catalog, backfills' COPY) read 128 KiB at a time unless the
/// connection string sets its own read buffer.</summary>
public sealed class ReadBufferTests
{
    [Fact]
    public void WithReadBuffer_NoneSet_ReadsTheLargerBufferAndKeepsTheRest()
    {
        var with = new NpgsqlConnectionStringBuilder(SessionSettings.WithReadBuffer("Host=db;Username=u;Password=secret;Timeout=7"));

        Assert.Equal(SessionSettings.ReadBufferSize, with.ReadBufferSize);
        Assert.Equal("secret", with.Password);
        Assert.Equal(7, with.Timeout);
    }

    [Theory]
    [InlineData("Host=db;Read Buffer Size=16384")]
    [InlineData("Host=db;ReadBufferSize=16384")]
    [InlineData("Host=db;read buffer size=16384")]
    public void WithReadBuffer_UserSetOne_KeepsIt(string connectionString)
    {
        var with = new NpgsqlConnectionStringBuilder(SessionSettings.WithReadBuffer(connectionString));

        Assert.Equal(16384, with.ReadBufferSize);
    }

    [Fact]
    public async Task SourceDatabase_PooledConnections_ReadTheLargerBuffer()
    {
        await using var source = new SourceDatabase(new WalSync.Configuration.PostgresOptions { ConnectionString = "Host=db;Username=u;Password=secret" },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Equal(SessionSettings.ReadBufferSize, new NpgsqlConnectionStringBuilder(source.DataSource.ConnectionString).ReadBufferSize);
    }
}

using Npgsql;
using WalSync.Replication;

namespace WalSync.Tests.Replication;

/// <summary>The replication connection reads 128 KiB at a time unless the connection string sets its own read buffer.</summary>
public sealed class ReplicationReadBufferTests
{
    [Fact]
    public void WithReplicationReadBuffer_NoneSet_ReadsTheLargerBufferAndKeepsTheRest()
    {
        var with = new NpgsqlConnectionStringBuilder(SessionSettings.WithReplicationReadBuffer("Host=db;Username=u;Password=secret;Timeout=7"));

        Assert.Equal(SessionSettings.ReplicationReadBufferSize, with.ReadBufferSize);
        Assert.Equal("secret", with.Password);
        Assert.Equal(7, with.Timeout);
    }

    [Theory]
    [InlineData("Host=db;Read Buffer Size=16384")]
    [InlineData("Host=db;ReadBufferSize=16384")]
    [InlineData("Host=db;read buffer size=16384")]
    public void WithReplicationReadBuffer_UserSetOne_KeepsIt(string connectionString)
    {
        var with = new NpgsqlConnectionStringBuilder(SessionSettings.WithReplicationReadBuffer(connectionString));

        Assert.Equal(16384, with.ReadBufferSize);
    }
}

using Npgsql;
using WalSync.Configuration;
using WalSync.Pipeline;

namespace WalSync.Tests.Pipeline;

public class ErrorClassifierTests
{
    [Fact]
    public void IsTransient_StreamEndedByServerShutdown_True() =>
        Assert.True(ErrorClassifier.IsTransient(new NpgsqlException("Received backend message CommandComplete while expecting CopyDataMessage. Please file a bug.")));

    [Fact]
    public void IsTransient_ConfigurationException_False() =>
        Assert.False(ErrorClassifier.IsTransient(new ConfigurationException("fix it")));

    [Fact]
    public void IsTransient_SocketError_True() =>
        Assert.True(ErrorClassifier.IsTransient(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));

    [Fact]
    public void AsConfigurationError_AllSlotsInUse_NamesTheFix()
    {
        var full = new PostgresException("all replication slots are in use", "ERROR", "ERROR", PostgresErrorCodes.ConfigurationLimitExceeded);

        Assert.False(ErrorClassifier.IsTransient(full));
        Assert.Contains("max_replication_slots", ErrorClassifier.AsConfigurationError(full)?.Message, StringComparison.Ordinal);
    }
}

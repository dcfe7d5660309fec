using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// The connection string for a replication connection. Npgsql opens replication connections to one host only (several
/// hosts throw "Replication is not supported with multiple hosts"), so when <c>Host</c> names several, the primary among
/// them is found with an ordinary connection and the replication connection goes to that host alone.
/// </summary>
/// <remarks>Multiple hosts and <c>Target Session Attributes</c>: https://www.npgsql.org/doc/failover-and-load-balancing.html</remarks>
internal static class ReplicationHost
{
    /// <summary>True when <paramref name="connectionString"/> names more than one host.</summary>
    public static bool HasSeveralHosts(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Host?.Contains(',', StringComparison.Ordinal) == true;

    /// <summary>
    /// <paramref name="connectionString"/> with the session settings WalSync pins, naming only the primary when it names
    /// several hosts (found by connecting with <c>Target Session Attributes=primary</c>).
    /// </summary>
    /// <param name="connectionString">The user's connection string.</param>
    /// <param name="applicationName">Shown in <c>pg_stat_replication</c>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <exception cref="NpgsqlException">No host answered as a primary (e.g. during a failover, before the promotion).</exception>
    public static async Task<string> ConnectionStringAsync(string connectionString, string applicationName, CancellationToken cancellationToken)
    {
        if (!HasSeveralHosts(connectionString))
        {
            return SessionSettings.Apply(connectionString, applicationName);
        }
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { TargetSessionAttributes = "primary", Pooling = false };
        await using var dataSource = NpgsqlDataSource.Create(probe.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var single = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = connection.Host,
            Port = connection.Port,
            TargetSessionAttributes = null,
            LoadBalanceHosts = false,
        };
        return SessionSettings.Apply(single.ConnectionString, applicationName);
    }
}

using WalSync.Cli.Demo;

namespace WalSync.Tests.Infrastructure;

/// <summary>A throwaway cluster started with initdb/pg_ctl from the machine's PostgreSQL binaries.</summary>
public sealed class LocalTestServer : TestServer
{
    private LocalTestServer(PostgresCluster cluster) => Cluster = cluster;

    /// <summary>The cluster.</summary>
    public PostgresCluster Cluster { get; }

    /// <inheritdoc/>
    public override string ConnectionString => Cluster.ConnectionString;

    /// <inheritdoc/>
    public override string Kind => $"local binaries, port {Cluster.Port}";

    /// <summary>Starts a cluster with extra <c>postgresql.conf</c> lines.</summary>
    public static async Task<LocalTestServer> StartAsync(IEnumerable<string> settings) =>
        new(await PostgresCluster.StartAsync(settings));

    /// <inheritdoc/>
    public override Task RestartAsync() => Cluster.RestartAsync();

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

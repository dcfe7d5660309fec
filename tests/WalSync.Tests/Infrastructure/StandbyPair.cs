using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Networks;
using Npgsql;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A primary and a streaming standby in two containers of a test image, on a Docker network of their own. The standby
/// streams through a physical slot (<c>primary_slot_name</c>) with <c>hot_standby_feedback</c>; from PostgreSQL 17 on it
/// is set up as the README says for failover slots: <c>sync_replication_slots</c> and <c>dbname</c> in its
/// <c>primary_conninfo</c> on the standby, the standby's slot in <c>synchronized_standby_slots</c> on the primary.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/17/logicaldecoding-explanation.html#LOGICALDECODING-REPLICATION-SLOTS-SYNCHRONIZATION</remarks>
public sealed class StandbyPair : IAsyncDisposable
{
    /// <summary>The standby's physical slot on the primary.</summary>
    public const string StandbySlot = "standby_slot";

    private readonly INetwork _network;

    private StandbyPair(INetwork network, ContainerTestServer primary, ContainerTestServer standby)
    {
        _network = network;
        Primary = primary;
        Standby = standby;
    }

    /// <summary>The primary, until <see cref="FailOverAsync"/> kills it.</summary>
    public ContainerTestServer Primary { get; }

    /// <summary>The standby, the primary after <see cref="FailOverAsync"/>.</summary>
    public ContainerTestServer Standby { get; }

    /// <summary>Starts the primary, then the standby from a base backup of it; with failover slots, the primary then
    /// waits for the standby before logical walsenders send anything.</summary>
    /// <param name="image">A test image.</param>
    /// <param name="failoverSlots">Set up slot synchronization (PostgreSQL 17+).</param>
    public static async Task<StandbyPair> StartAsync(string image, bool failoverSlots)
    {
        var network = new NetworkBuilder().WithName("walsync-failover-" + Guid.NewGuid().ToString("N")[..12]).Build();
        await network.CreateAsync();
        ContainerTestServer? primary = null;
        try
        {
            primary = await ContainerTestServer.StartAsync(image, [], builder => builder.WithNetwork(network).WithNetworkAliases("primary"));
            await PostgresServer.ExecuteAsync(primary.ConnectionString, $"SELECT pg_create_physical_replication_slot('{StandbySlot}')");
            var conninfo = $"host=primary port=5432 user=postgres password={ContainerTestServer.Password} dbname=postgres application_name=standby";
            string[] settings = [$"primary_conninfo = '{conninfo}'", $"primary_slot_name = {StandbySlot}", "hot_standby_feedback = on"];
            var standby = await ContainerTestServer.StartAsync(image, failoverSlots ? [.. settings, "sync_replication_slots = on"] : settings,
                builder => builder.WithNetwork(network).WithNetworkAliases("standby").WithEnvironment("STANDBY_OF", conninfo));
            var pair = new StandbyPair(network, primary, standby);
            if (failoverSlots)
            {
                // Set after the base backup: a promoted standby that inherited it would wait for a slot it does not have.
                await PostgresServer.ExecuteAsync(primary.ConnectionString,
                    $"ALTER SYSTEM SET synchronized_standby_slots = '{StandbySlot}'; SELECT pg_reload_conf();");
            }
            await Eventually.HoldsAsync(async () =>
                (!failoverSlots || await PostgresServer.ScalarAsync<string>(primary.ConnectionString, "SHOW synchronized_standby_slots") == StandbySlot) &&
                await PostgresServer.ScalarAsync<bool>(primary.ConnectionString,
                    "SELECT EXISTS (SELECT FROM pg_stat_replication WHERE application_name = 'standby' AND state = 'streaming')"),
                TimeSpan.FromSeconds(60), "the standby to stream");
            await TestServerReport.AddAsync($"{await PostgresServer.ScalarAsync<string>(primary.ConnectionString, "SHOW server_version")} | primary and standby{(failoverSlots ? " with failover slots" : "")}: {primary.Kind}; {standby.Kind}");
            return pair;
        }
        catch
        {
            if (primary is not null)
            {
                await primary.DisposeAsync();
            }
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string naming both servers, primary first, that connects to whichever is the primary.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = $"127.0.0.1:{Primary.Port},127.0.0.1:{Standby.Port}",
        TargetSessionAttributes = "primary",
        Username = "postgres",
        Password = ContainerTestServer.Password,
        Database = database,
        Pooling = false,
    }.ConnectionString;

    /// <summary>Kills the primary's container (SIGKILL) and promotes the standby.</summary>
    public async Task FailOverAsync()
    {
        await Primary.KillAsync();
        // pg_promote waits (up to 60 s) until the standby has left recovery.
        Assert.True(await PostgresServer.ScalarAsync<bool>(Standby.ConnectionString, "SELECT pg_promote()"));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
        await _network.DisposeAsync();
    }
}

using Npgsql;
using WalSync.Cli.Demo;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Configuration;

/// <summary>
/// What the environment tests share: a database on the shared server with a keyed and a keyless table and two
/// roles that lack a privilege each, and a separate cluster with <c>wal_level = replica</c> whose role
/// <see cref="PasswordRole"/> must log in with a password (scram-sha-256).
/// </summary>
public sealed class EnvironmentFixture : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public SyncHarness Harness { get; private set; } = null!;

    public PostgresCluster Replica { get; private set; } = null!;

    /// <summary>A role with SELECT on the tables but without REPLICATION.</summary>
    public string NoReplicationRole => "walsync_norepl_" + _suffix;

    /// <summary>A role with REPLICATION but without SELECT on the tables.</summary>
    public string NoSelectRole => "walsync_nosel_" + _suffix;

    /// <summary>A role of <see cref="Replica"/> that authenticates with a password.</summary>
    public string PasswordRole => "walsync_pw_" + _suffix;

    public async Task InitializeAsync()
    {
        Harness = await SyncHarness.StartAsync("environment");
        await Harness.ExecuteAsync($"""
            CREATE TABLE items (id int PRIMARY KEY, name text);
            CREATE TABLE nokey (a int, b text);
            CREATE ROLE {NoReplicationRole} LOGIN;
            GRANT SELECT ON items, nokey TO {NoReplicationRole};
            CREATE ROLE {NoSelectRole} LOGIN REPLICATION;
            """);
        Replica = await PostgresCluster.StartAsync(["wal_level = replica"]);
        await TestServerReport.AddAsync($"{await PostgresServer.ScalarAsync<string>(Replica.ConnectionString, "SHOW server_version")} | " +
            $"local binaries, port {Replica.Port} (wal_level = replica, for the environment checks)");
        var hba = Path.Combine(Replica.DataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, $"host all {PasswordRole} 127.0.0.1/32 scram-sha-256\n" + await File.ReadAllTextAsync(hba));
        await PostgresServer.ExecuteAsync(Replica.ConnectionString, $"CREATE ROLE {PasswordRole} LOGIN PASSWORD 'the-right-one'; SELECT pg_reload_conf();");
        // The reload is asynchronous: wait until the server asks this role for its password.
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await PostgresServer.ExecuteAsync(ConnectionString(Replica.ConnectionString, PasswordRole, "not-the-right-one"), "SELECT 1");
                return false;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), "pg_hba.conf to ask for a password");
    }

    public async Task DisposeAsync()
    {
        // Roles belong to the cluster, which other test classes share.
        await Harness.DropRolesAsync(NoReplicationRole, NoSelectRole);
        await Harness.DisposeAsync();
        await Replica.DisposeAsync();
    }

    /// <summary><paramref name="connectionString"/> with another user and password.</summary>
    public static string ConnectionString(string connectionString, string user, string password) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = user, Password = password }.ConnectionString;
}

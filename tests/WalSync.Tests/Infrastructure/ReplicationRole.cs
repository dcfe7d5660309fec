using Npgsql;
using WalSync.Configuration;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A dedicated non-superuser role as the README recommends (<c>LOGIN REPLICATION</c>, no BYPASSRLS, no CREATE on the
/// database), for tests of what such a role sees and may do. Roles belong to the cluster, so it is dropped on dispose.
/// </summary>
public sealed class ReplicationRole : IAsyncDisposable
{
    private readonly SyncHarness _harness;

    private ReplicationRole(SyncHarness harness, string name)
    {
        _harness = harness;
        Name = name;
    }

    /// <summary>The role's name.</summary>
    public string Name { get; }

    /// <summary>Creates the role and grants it SELECT on <paramref name="tables"/>.</summary>
    public static async Task<ReplicationRole> CreateAsync(SyncHarness harness, params string[] tables)
    {
        var role = new ReplicationRole(harness, "walsync_" + Guid.NewGuid().ToString("N")[..10]);
        await harness.ExecuteAsync($"CREATE ROLE {role.Name} LOGIN REPLICATION;" +
            string.Concat(tables.Select(t => $"GRANT SELECT ON {t} TO {role.Name};")));
        return role;
    }

    /// <summary>Makes <paramref name="options"/> connect as this role.</summary>
    public WalSyncOptions Use(WalSyncOptions options)
    {
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString) { Username = Name }.ConnectionString;
        return options;
    }

    /// <summary>Creates WalSync's tables (<c>walsync.dead_letters</c>, <c>walsync.backfills</c>) as the superuser and lets
    /// the role write them, as an administrator would with the statements WalSync prints.</summary>
    public Task CreateWalSyncTablesAsync() => _harness.ExecuteAsync($"""
        CREATE SCHEMA walsync;
        CREATE TABLE walsync.dead_letters (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(),
            table_name text NOT NULL, collection text NOT NULL, document_id text NOT NULL, key text[] NOT NULL,
            operation text NOT NULL, lsn pg_lsn, error text NOT NULL, document text, retried_at timestamptz);
        CREATE TABLE walsync.backfills (
            slot text NOT NULL, table_name text NOT NULL, collection text NOT NULL, last_key text[], rows_done bigint NOT NULL DEFAULT 0,
            started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
            PRIMARY KEY (slot, table_name, collection));
        GRANT USAGE ON SCHEMA walsync TO {Name};
        GRANT SELECT, INSERT, UPDATE ON walsync.dead_letters TO {Name};
        GRANT SELECT, INSERT, UPDATE, DELETE ON walsync.backfills TO {Name};
        """);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // The role's slot must go first; the harness drops it too, but only after this.
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await _harness.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}'");
                return true;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"slot {_harness.Slot} to be dropped");
        await _harness.DropRolesAsync(Name);
    }
}

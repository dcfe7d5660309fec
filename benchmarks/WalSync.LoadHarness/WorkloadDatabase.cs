using Npgsql;
using NpgsqlTypes;
using WalSync.Cli.Demo;

namespace WalSync.LoadHarness;

/// <summary>A fresh database on the throwaway cluster holding the products table, its publication and the slots of one workload.</summary>
internal sealed class WorkloadDatabase : IAsyncDisposable
{
    private readonly PostgresCluster _cluster;
    private readonly List<string> _slots = [];

    private WorkloadDatabase(PostgresCluster cluster, string name)
    {
        _cluster = cluster;
        Name = name;
    }

    /// <summary>The database name.</summary>
    public string Name { get; }

    /// <summary>A superuser connection string to the database.</summary>
    public string ConnectionString => _cluster.ConnectionStringFor(Name);

    /// <summary>SQL run after the products table is created (<c>--generated</c>); empty for none.</summary>
    public static string ProductsExtraSql { get; set; } = "";

    /// <summary>Creates the database with the products table and the publication <c>walsync</c>, or with <paramref name="schemaSql"/>.</summary>
    public static async Task<WorkloadDatabase> CreateAsync(PostgresCluster cluster, string name, string schemaSql = Workload.SchemaSql)
    {
        await using (var admin = await OpenAsync(cluster.ConnectionString))
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        }
        var database = new WorkloadDatabase(cluster, name);
        var extra = schemaSql == Workload.SchemaSql ? ProductsExtraSql : "";
        await database.ExecuteAsync(schemaSql + "; " + extra + " CREATE EXTENSION pg_walinspect;");
        return database;
    }

    /// <summary>Runs <paramref name="sql"/> (one or more statements, outside a transaction block) without a time limit.</summary>
    public async Task ExecuteAsync(string sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            return;
        }
        await using var connection = await OpenAsync(ConnectionString);
        await ExecuteAsync(connection, sql);
    }

    /// <summary>Creates pgoutput slots at the current end of WAL: what is written after this is streamed to each.</summary>
    public async Task CreateSlotsAsync(params string[] slots)
    {
        await using var connection = await OpenAsync(ConnectionString);
        foreach (var slot in slots)
        {
            await ExecuteAsync(connection, $"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')");
            _slots.Add(slot);
        }
    }

    /// <summary>Drops <paramref name="slot"/> with the database if it exists then: for a slot walsync creates.</summary>
    public void DropsSlot(string slot) => _slots.Add(slot);

    /// <summary>
    /// Runs <paramref name="sql"/> as one transaction committed synchronously (so its WAL is flushed and can be
    /// decoded at once) and returns the end LSN of its commit record, which PostgreSQL sends as the Commit message's
    /// <c>TransactionEndLsn</c> and which WalSync acknowledges after flushing it.
    /// </summary>
    /// <remarks>The commit record is found with pg_walinspect, between a position read inside the transaction and the
    /// flushed end of WAL (https://www.postgresql.org/docs/15/pgwalinspect.html).</remarks>
    public async Task<NpgsqlLogSequenceNumber> RunLastTransactionAsync(string sql)
    {
        await using var connection = await OpenAsync(ConnectionString);
        NpgsqlLogSequenceNumber before;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "SET LOCAL synchronous_commit = on; " + sql);
            before = await ScalarAsync<NpgsqlLogSequenceNumber>(connection, "SELECT pg_current_wal_insert_lsn()");
            await transaction.CommitAsync();
        }
        await using var command = new NpgsqlCommand("""
            SELECT min(end_lsn) FROM pg_get_wal_records_info($1, pg_current_wal_flush_lsn())
            WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = before, NpgsqlDbType = NpgsqlDbType.PgLsn });
        return (NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync()
            ?? throw new InvalidOperationException("The last transaction's commit record was not found in the WAL."));
    }

    /// <summary>The slot's <c>confirmed_flush_lsn</c>.</summary>
    public static async Task<NpgsqlLogSequenceNumber> ConfirmedFlushAsync(NpgsqlConnection connection, string slot)
    {
        await using var command = new NpgsqlCommand("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        return await command.ExecuteScalarAsync() is NpgsqlLogSequenceNumber lsn ? lsn : NpgsqlLogSequenceNumber.Invalid;
    }

    /// <summary>Rows of <paramref name="tables"/> (of the public schema) together.</summary>
    public async Task<long> CountRowsAsync(IEnumerable<string> tables)
    {
        await using var connection = await OpenAsync(ConnectionString);
        return await ScalarAsync<long>(connection, "SELECT " + string.Join(" + ", tables.Select(t => $"(SELECT count(*) FROM {t})")));
    }

    /// <summary>Opens a connection to this database.</summary>
    public Task<NpgsqlConnection> OpenAsync() => OpenAsync(ConnectionString);

    /// <summary>Drops the slots and the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await using var admin = await OpenAsync(_cluster.ConnectionString);
        foreach (var slot in _slots)
        {
            await ExecuteAsync(admin, $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{slot}'");
        }
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

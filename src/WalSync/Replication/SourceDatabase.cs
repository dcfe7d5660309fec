using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// Ordinary (non-replication) access to the source database: checks at start, the catalog, the publication and the
/// slot's state. Every connection carries the pinned <see cref="SessionSettings"/>.
/// </summary>
public sealed class SourceDatabase : IAsyncDisposable
{
    private readonly PostgresOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the accessor; nothing is opened until a method is called.</summary>
    public SourceDatabase(PostgresOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        DataSource = NpgsqlDataSource.Create(SessionSettings.Apply(options.ConnectionString, "walsync"));
    }

    /// <summary>The pooled data source for the source database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Checks the server's version and settings and the role's privileges WalSync needs.</summary>
    /// <exception cref="ConfigurationException">The server is older than <see cref="SupportedVersions.OldestMajor"/>,
    /// <c>wal_level</c> is not <c>logical</c>, or the role lacks REPLICATION.</exception>
    public async Task CheckServerAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        SupportedVersions.Check(connection.PostgreSqlVersion, connection.ServerVersion);
        ServerLog.Connected(_logger, connection.ServerVersion);
        if (SupportedVersions.IsUntested(connection.PostgreSqlVersion))
        {
            ServerLog.UntestedVersion(_logger, connection.ServerVersion, SupportedVersions.NewestTestedMajor);
        }
        var walLevel = await ScalarAsync<string>(connection, "SHOW wal_level", cancellationToken);
        if (walLevel != "logical")
        {
            throw new ConfigurationException($"The server's wal_level is '{walLevel}', and logical replication needs 'logical'. " +
                "Run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL (on RDS set rds.logical_replication = 1 in the " +
                "parameter group; on Supabase it is already logical).");
        }
        var canReplicate = await ScalarAsync<bool>(connection,
            "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken);
        if (!canReplicate)
        {
            var role = await ScalarAsync<string>(connection, "SELECT current_user", cancellationToken);
            throw new ConfigurationException($"The role '{role}' cannot stream from a replication slot. Grant it with: " +
                $"ALTER ROLE {SourceTable.QuoteIdentifier(role)} WITH REPLICATION; (on RDS: GRANT rds_replication TO {SourceTable.QuoteIdentifier(role)};)");
        }
    }

    /// <summary>Reads a configured table's columns and key from the catalog.</summary>
    /// <remarks>The document key is the replica identity index under <c>REPLICA IDENTITY USING INDEX</c> (deletes carry only
    /// its columns), else the primary key.</remarks>
    /// <exception cref="ConfigurationException">The table does not exist, the role cannot SELECT it, or it has no usable key.</exception>
    public async Task<SourceTable> DescribeTableAsync(TableOptions table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        uint oid;
        char replicaIdentity;
        bool partitioned;
        await using (var command = new NpgsqlCommand(
            "SELECT c.oid, c.relreplident, c.relkind = 'p', has_table_privilege(c.oid, 'SELECT') " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')", connection))
        {
            command.Parameters.AddWithValue(table.SchemaName);
            command.Parameters.AddWithValue(table.TableName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new ConfigurationException($"Tables: the table {table.SchemaName}.{table.TableName} does not exist in the database " +
                    $"'{connection.Database}'. Check the Table name (schema.table) or the Database in Postgres:ConnectionString.");
            }
            oid = reader.GetFieldValue<uint>(0);
            replicaIdentity = reader.GetChar(1);
            partitioned = reader.GetBoolean(2);
            if (!reader.GetBoolean(3))
            {
                throw new ConfigurationException($"The role '{connection.UserName}' cannot read {table.SchemaName}.{table.TableName}. " +
                    $"Grant it with: GRANT SELECT ON {table.SchemaName}.{table.TableName} TO {connection.UserName};");
            }
        }

        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a " +
            "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum", connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(new ColumnInfo(reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetInt32(2), IsKey: false));
            }
        }

        var keys = new List<(string Name, string Type)>();
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i " +
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum " +
            "WHERE i.indrelid = $1 AND CASE WHEN $2 THEN i.indisreplident ELSE i.indisprimary END ORDER BY k.ord", connection))
        {
            // Under REPLICA IDENTITY USING INDEX, deletes and key changes carry only that index's columns, so they key
            // the documents; otherwise the primary key does.
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
            command.Parameters.AddWithValue(replicaIdentity == 'i');
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var name = $"{table.SchemaName}.{table.TableName}";
        if (keys.Count == 0 || replicaIdentity == 'n')
        {
            throw new ConfigurationException($"The table {name} has no primary key or replica identity index, so its rows " +
                "cannot become documents with a stable id and PostgreSQL cannot publish its updates and deletes. " +
                $"Add a primary key (ALTER TABLE {name} ADD PRIMARY KEY (…);) or name a unique index over NOT NULL columns " +
                $"(ALTER TABLE {name} REPLICA IDENTITY USING INDEX <index>;).");
        }
        var keyNames = keys.Select(k => k.Name).ToList();
        var relation = new RelationInfo(oid, table.SchemaName, table.TableName, replicaIdentity,
            columns.Select(c => c with { IsKey = keyNames.Contains(c.Name) }).ToList());
        return new SourceTable(table, relation, keyNames, keys.Select(k => k.Type).ToList(), partitioned);
    }

    /// <summary>Creates the publication for <paramref name="tables"/>, or checks that the existing one covers them.</summary>
    /// <exception cref="ConfigurationException">The existing publication misses a table, an operation, or publishes partitions without their root.</exception>
    public async Task EnsurePublicationAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var publication = _options.Publication;
        var list = string.Join(", ", tables.Select(t => t.SqlName));
        await using (var command = new NpgsqlCommand(
            "SELECT pubinsert AND pubupdate AND pubdelete, pubtruncate, pubviaroot FROM pg_publication WHERE pubname = $1", connection))
        {
            command.Parameters.AddWithValue(publication);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var dml = reader.GetBoolean(0);
                var viaRoot = reader.GetBoolean(2);
                await reader.DisposeAsync();
                if (!dml)
                {
                    throw new ConfigurationException($"The publication '{publication}' does not publish every insert, update and delete. " +
                        $"Run ALTER PUBLICATION {SourceTable.QuoteIdentifier(publication)} SET (publish = 'insert, update, delete, truncate');");
                }
                if (!viaRoot && tables.Any(t => t.IsPartitioned))
                {
                    throw new ConfigurationException($"The publication '{publication}' publishes partitions as separate tables. Run " +
                        $"ALTER PUBLICATION {SourceTable.QuoteIdentifier(publication)} SET (publish_via_partition_root = true);");
                }
                await CheckPublicationTablesAsync(connection, tables, cancellationToken);
                return;
            }
        }
        await using (var create = new NpgsqlCommand(
            $"CREATE PUBLICATION {SourceTable.QuoteIdentifier(publication)} FOR TABLE {list} WITH (publish_via_partition_root = true)", connection))
        {
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new ConfigurationException($"The role '{connection.UserName}' may not create the publication '{publication}' ({e.MessageText}). " +
                    $"Have the table owner run: CREATE PUBLICATION {SourceTable.QuoteIdentifier(publication)} FOR TABLE {list} WITH (publish_via_partition_root = true);", e);
            }
        }
        ReplicationLog.PublicationCreated(_logger, publication, list);
    }

    private async Task CheckPublicationTablesAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        var published = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1", connection);
        command.Parameters.AddWithValue(_options.Publication);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            published.Add(reader.GetString(0));
        }
        var missing = tables.Where(t => !published.Contains(t.Relation.QualifiedName)).Select(t => t.SqlName).ToList();
        if (missing.Count > 0)
        {
            throw new ConfigurationException($"The publication '{_options.Publication}' does not include {string.Join(", ", missing)}. Run " +
                $"ALTER PUBLICATION {SourceTable.QuoteIdentifier(_options.Publication)} ADD TABLE {string.Join(", ", missing)}; " +
                "(or set Postgres:Publication to a publication that covers every configured table).");
        }
    }

    /// <summary>The configured slot's row in <c>pg_replication_slots</c>, or null when it does not exist.</summary>
    public async Task<SlotState?> GetSlotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT plugin, database, active_pid, confirmed_flush_lsn::text, wal_status FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.AddWithValue(_options.Slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new SlotState(
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>The database WalSync is connected to.</summary>
    public async Task<string> GetDatabaseNameAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return connection.Database;
    }

    /// <summary>Copies the temporary slot <paramref name="source"/> to the permanent configured slot, at the same position;
    /// from PostgreSQL 17 on, the copy is made a failover slot (<see cref="FailoverSlot"/>).</summary>
    /// <remarks><c>pg_copy_logical_replication_slot</c>: https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION</remarks>
    public async Task CopySlotAsync(string source, CancellationToken cancellationToken)
    {
        bool failover;
        await using (var connection = await DataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("SELECT pg_copy_logical_replication_slot($1, $2, false)", connection))
        {
            command.Parameters.AddWithValue(source);
            command.Parameters.AddWithValue(_options.Slot);
            await command.ExecuteNonQueryAsync(cancellationToken);
            failover = connection.PostgreSqlVersion.Major >= SupportedVersions.FailoverSlotsMajor;
        }
        if (failover)
        {
            await FailoverSlot.EnableAsync(_options, _logger, cancellationToken);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// Ordinary (non-replication) access to the source database: checks at start, the catalog, the publication and the
/// slot's state. Every connection carries the pinned <see cref="SessionSettings"/>.
/// </summary>
internal sealed class SourceDatabase : IAsyncDisposable
{
    private readonly PostgresOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the accessor; nothing is opened until a method is called.</summary>
    public SourceDatabase(PostgresOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        DataSource = SessionSettings.CreateDataSource(options.ConnectionString, "walsync");
    }

    /// <summary>The pooled data source for the source database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Checks that the server is a supported version and that its <c>wal_level</c> is <c>logical</c>; returns it.</summary>
    /// <exception cref="ConfigurationException">The server is older than <see cref="SupportedVersions.OldestMajor"/>, or
    /// <c>wal_level</c> is not <c>logical</c>.</exception>
    public async Task<string> CheckWalLevelAsync(CancellationToken cancellationToken)
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
        return walLevel;
    }

    /// <summary>Checks that the role may stream from a replication slot (REPLICATION or superuser); returns the role.</summary>
    /// <exception cref="ConfigurationException">It may not.</exception>
    public async Task<string> CheckReplicationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var role = await ScalarAsync<string>(connection, "SELECT current_user::text", cancellationToken);
        var canReplicate = await ScalarAsync<bool>(connection,
            "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken);
        if (!canReplicate)
        {
            throw new ConfigurationException($"The role '{role}' cannot stream from a replication slot. Grant it with: " +
                $"ALTER ROLE {SourceTable.QuoteIdentifier(role)} WITH REPLICATION; (on RDS: GRANT rds_replication TO {SourceTable.QuoteIdentifier(role)};)");
        }
        return role;
    }

    /// <summary>Reads a configured table's columns and key from the catalog.</summary>
    /// <remarks>The document key is the replica identity index under <c>REPLICA IDENTITY USING INDEX</c> (deletes carry only
    /// its columns), else the primary key.</remarks>
    /// <exception cref="ConfigurationException">The table does not exist or cannot be published (unlogged, temporary, a view,
    /// a foreign table: <see cref="Publishability"/>); or the role cannot SELECT it, would not see every row of it (row-level
    /// security), it has no usable key or a partition whose rows are never published: every one of these problems of the
    /// table in one message.</exception>
    public async Task<SourceTable> DescribeTableAsync(TableOptions table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var problems = new List<string>();
        uint oid;
        ReplicaIdentity replicaIdentity;
        bool partitioned;
        await using (var command = new NpgsqlCommand(
            "SELECT c.oid, c.relreplident, c.relkind = 'p', has_table_privilege(c.oid, 'SELECT'), " + RowSecurity.SeesAllRowsSql + ", c.relforcerowsecurity, " +
            "c.relkind, c.relpersistence, n.nspname IN ('pg_catalog', 'information_schema') " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.rolname = current_user " +
            "WHERE n.nspname = $1 AND c.relname = $2", connection))
        {
            command.Parameters.AddWithValue(table.SchemaName);
            command.Parameters.AddWithValue(table.TableName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new ConfigurationException($"Tables: the table {table.SchemaName}.{table.TableName} does not exist in the database " +
                    $"'{connection.Database}'. Check the Table name (schema.table) or the Database in Postgres:ConnectionString.");
            }
            if (Publishability.Refusal($"{table.SchemaName}.{table.TableName}", reader.GetChar(6), reader.GetChar(7), reader.GetBoolean(8)) is { } refusal)
            {
                throw new ConfigurationException(refusal);
            }
            oid = reader.GetFieldValue<uint>(0);
            replicaIdentity = (ReplicaIdentity)reader.GetChar(1);
            partitioned = reader.GetBoolean(2);
            if (!reader.GetBoolean(3))
            {
                problems.Add($"The role '{connection.UserName}' cannot read {table.SchemaName}.{table.TableName}. " +
                    $"Grant it with: GRANT SELECT ON {table.SchemaName}.{table.TableName} TO {connection.UserName};");
            }
            else if (!reader.GetBoolean(4))
            {
                problems.Add(RowSecurity.HidesRows($"{table.SchemaName}.{table.TableName}", connection.UserName ?? "?", forced: reader.GetBoolean(5)).Message);
            }
        }

        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a " +
            $"WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND {GeneratedColumns.ReadCondition(connection)} ORDER BY a.attnum", connection))
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
            command.Parameters.AddWithValue(replicaIdentity == ReplicaIdentity.Index);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var name = $"{table.SchemaName}.{table.TableName}";
        if (partitioned)
        {
            problems.AddRange(await Publishability.UnpublishedPartitionsAsync(connection, oid, name, cancellationToken));
        }
        if (keys.Count == 0 || replicaIdentity == ReplicaIdentity.Nothing)
        {
            problems.Add($"The table {name} has no primary key or replica identity index, so its rows " +
                "cannot become documents with a stable id and PostgreSQL cannot publish its updates and deletes. " +
                $"Add a primary key (ALTER TABLE {name} ADD PRIMARY KEY (…);) or name a unique index over NOT NULL columns " +
                $"(ALTER TABLE {name} REPLICA IDENTITY USING INDEX <index>;).");
        }
        Publication.ThrowIfAny(problems);
        var keyNames = keys.Select(k => k.Name).ToList();
        var relation = new RelationInfo(oid, table.SchemaName, table.TableName, replicaIdentity,
            columns.Select(c => c with { IsKey = keyNames.Contains(c.Name) }).ToList());
        return new SourceTable(table, relation, keyNames, keys.Select(k => k.Type).ToList(), partitioned);
    }

    /// <summary>Creates the publication for <paramref name="tables"/> (with their <c>Where</c> as row filters), or checks
    /// that the existing one covers them.</summary>
    /// <returns>The tables with the row filter and the columns the publication publishes, which every read of them applies.</returns>
    /// <exception cref="ConfigurationException">A <c>Where</c> is invalid, needs PostgreSQL 15 or would break the table's
    /// updates; the existing publication misses a table or an operation, or conflicts with <c>Where</c> or <c>Columns</c>.</exception>
    public Task<IReadOnlyList<SourceTable>> EnsurePublicationAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken) =>
        new Publication(DataSource, _options.Publication, _logger).EnsureAsync(tables, cancellationToken);

    /// <summary>Checks the publication as <see cref="EnsurePublicationAsync"/> would, changing nothing.</summary>
    /// <exception cref="ConfigurationException">As for <see cref="EnsurePublicationAsync"/>.</exception>
    public Task<PublicationCheck> CheckPublicationAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken) =>
        new Publication(DataSource, _options.Publication, _logger).CheckAsync(tables, cancellationToken);

    /// <summary>Gives <paramref name="tables"/> the row filters and column lists of the existing publication (or their
    /// configured <c>Where</c> when there is none yet), creating nothing.</summary>
    /// <exception cref="ConfigurationException">As for <see cref="EnsurePublicationAsync"/>.</exception>
    public Task<IReadOnlyList<SourceTable>> ApplyPublicationAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken) =>
        new Publication(DataSource, _options.Publication, _logger).ApplyAsync(tables, cancellationToken);

    /// <summary>Why some generated columns of <paramref name="table"/> are not in its documents, with what would bring them,
    /// or null (<see cref="GeneratedColumns"/>).</summary>
    public async Task<string?> GeneratedColumnsMissingAsync(SourceTable table, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await GeneratedColumns.MissingAsync(connection, table, _options.Publication, cancellationToken);
    }

    /// <summary>The generated columns of <paramref name="table"/> that its documents should hold but the stream does not
    /// carry (<see cref="GeneratedColumns.UnpublishedAsync"/>).</summary>
    public async Task<IReadOnlyList<(string Name, uint TypeOid, bool Stored)>> UnpublishedGeneratedColumnsAsync(SourceTable table, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await GeneratedColumns.UnpublishedAsync(connection, table, cancellationToken);
    }

    /// <summary>Whether the stream can carry binary values, and the binary forms of the published columns' types (<see cref="BinaryTypes"/>).</summary>
    public async Task<BinaryTypes.Decision> BinaryTypesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await BinaryTypes.ReadAsync(connection, _options.Publication, cancellationToken);
    }

    /// <summary>The configured slot's row in <c>pg_replication_slots</c>, or null when it does not exist.</summary>
    public async Task<SlotState?> GetSlotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT plugin, database, active_pid, confirmed_flush_lsn, wal_status FROM pg_replication_slots WHERE slot_name = $1", connection);
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
            reader.IsDBNull(3) ? null : reader.GetFieldValue<NpgsqlTypes.NpgsqlLogSequenceNumber>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>The end of everything committed so far: the server's WAL insert position
    /// (<c>pg_current_wal_insert_lsn()</c>). The write position (<c>pg_current_wal_lsn()</c>) can lie before a commit
    /// made with <c>synchronous_commit = off</c>, which the WAL writer writes up to <c>wal_writer_delay</c> later
    /// (PostgreSQL docs, "Asynchronous Commit").</summary>
    public async Task<NpgsqlTypes.NpgsqlLogSequenceNumber> CurrentWalLsnAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync<NpgsqlTypes.NpgsqlLogSequenceNumber>(connection, "SELECT pg_current_wal_insert_lsn()", cancellationToken);
    }

    /// <summary>The database WalSync is connected to.</summary>
    public async Task<string> GetDatabaseNameAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return connection.Database;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

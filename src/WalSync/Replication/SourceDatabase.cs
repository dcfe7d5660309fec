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
        DataSource = SessionSettings.CreateDataSource(SessionSettings.WithReadBuffer(options.ConnectionString), "walsync");
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

    /// <summary>Reads a configured table's columns and key from the catalog (<see cref="DescribeTablesAsync"/>).</summary>
    /// <exception cref="ConfigurationException">The table cannot be used, as <see cref="TableDescription.Problem"/> says.</exception>
    public async Task<SourceTable> DescribeTableAsync(TableOptions table, CancellationToken cancellationToken) =>
        (await DescribeTablesAsync([table], cancellationToken))[0].Get();

    /// <summary>Reads the tables' columns, generated columns and keys from the catalog, in three queries however many
    /// tables there are (and one more for each partitioned table).</summary>
    /// <remarks>The document key is the replica identity index under <c>REPLICA IDENTITY USING INDEX</c> (deletes carry only
    /// its columns), else the primary key.</remarks>
    /// <returns>One description for each of <paramref name="tables"/>, in their order: the table, or why it cannot be
    /// used: it does not exist or cannot be published (unlogged, temporary, a view, a foreign table:
    /// <see cref="Publishability"/>); or the role cannot SELECT it, would not see every row of it (row-level security),
    /// it has no usable key or a partition whose rows are never published: every one of these problems of the table in
    /// one message.</returns>
    /// <exception cref="NpgsqlException">A catalog read failed.</exception>
    public async Task<IReadOnlyList<TableDescription>> DescribeTablesAsync(IReadOnlyList<TableOptions> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var found = new (uint Oid, ReplicaIdentity Identity, bool Partitioned, List<string> Problems)?[tables.Count];
        var refused = new string?[tables.Count];
        await using (var command = new NpgsqlCommand(
            "SELECT t.ord, c.oid, c.relreplident, c.relkind = 'p', has_table_privilege(c.oid, 'SELECT'), " + RowSecurity.SeesAllRowsSql + ", c.relforcerowsecurity, " +
            "c.relkind, c.relpersistence, n.nspname IN ('pg_catalog', 'information_schema') " +
            "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(nspname, relname, ord) " +
            "JOIN pg_namespace n ON n.nspname = t.nspname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.relname " +
            "JOIN pg_roles r ON r.rolname = current_user", connection))
        {
            command.Parameters.AddWithValue(tables.Select(t => t.SchemaName).ToArray());
            command.Parameters.AddWithValue(tables.Select(t => t.TableName).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var i = (int)reader.GetInt64(0) - 1;
                var table = tables[i];
                var name = $"{table.SchemaName}.{table.TableName}";
                if (Publishability.Refusal(name, reader.GetChar(7), reader.GetChar(8), reader.GetBoolean(9)) is { } refusal)
                {
                    refused[i] = refusal;
                    continue;
                }
                var problems = new List<string>();
                if (!reader.GetBoolean(4))
                {
                    problems.Add($"The role '{connection.UserName}' cannot read {name}. Grant it with: GRANT SELECT ON {name} TO {connection.UserName};");
                }
                else if (!reader.GetBoolean(5))
                {
                    problems.Add(RowSecurity.HidesRows(name, connection.UserName ?? "?", forced: reader.GetBoolean(6)).Message);
                }
                found[i] = (reader.GetFieldValue<uint>(1), (ReplicaIdentity)reader.GetChar(2), reader.GetBoolean(3), problems);
            }
        }
        var oids = found.Where(f => f is not null).Select(f => f!.Value.Oid).Distinct().ToArray();

        var columns = oids.ToDictionary(o => o, _ => new List<ColumnInfo>());
        var generated = oids.ToDictionary(o => o, _ => new List<GeneratedColumn>());
        await using (var command = new NpgsqlCommand(
            $"SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, {GeneratedColumns.ReadCondition(connection)}, a.attgenerated <> '', a.attgenerated = 's' " +
            "FROM pg_attribute a WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum", connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, oids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = reader.GetFieldValue<uint>(0);
                if (reader.GetBoolean(4))
                {
                    columns[oid].Add(new ColumnInfo(reader.GetString(1), reader.GetFieldValue<uint>(2), reader.GetInt32(3), IsKey: false));
                }
                if (reader.GetBoolean(5))
                {
                    generated[oid].Add(new GeneratedColumn(reader.GetString(1), reader.GetFieldValue<uint>(2), reader.GetBoolean(6)));
                }
            }
        }

        var keys = oids.ToDictionary(o => o, _ => new List<(string Name, string Type)>());
        await using (var command = new NpgsqlCommand(
            "SELECT i.indrelid, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_class c " +
            "JOIN pg_index i ON i.indrelid = c.oid AND CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END " +
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE c.oid = ANY($1) ORDER BY i.indrelid, k.ord", connection))
        {
            // Under REPLICA IDENTITY USING INDEX, deletes and key changes carry only that index's columns, so they key
            // the documents; otherwise the primary key does.
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, oids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys[reader.GetFieldValue<uint>(0)].Add((reader.GetString(1), reader.GetString(2)));
            }
        }

        var described = new TableDescription[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            var table = tables[i];
            var name = $"{table.SchemaName}.{table.TableName}";
            if (found[i] is not var (oid, replicaIdentity, partitioned, problems))
            {
                described[i] = new TableDescription(null, refused[i] ?? $"Tables: the table {name} does not exist in the database " +
                    $"'{connection.Database}'. Check the Table name (schema.table) or the Database in Postgres:ConnectionString.");
                continue;
            }
            if (partitioned)
            {
                problems.AddRange(await Publishability.UnpublishedPartitionsAsync(connection, oid, name, cancellationToken));
            }
            if (keys[oid].Count == 0 || replicaIdentity == ReplicaIdentity.Nothing)
            {
                problems.Add($"The table {name} has no primary key or replica identity index, so its rows " +
                    "cannot become documents with a stable id and PostgreSQL cannot publish its updates and deletes. " +
                    $"Add a primary key (ALTER TABLE {name} ADD PRIMARY KEY (…);) or name a unique index over NOT NULL columns " +
                    $"(ALTER TABLE {name} REPLICA IDENTITY USING INDEX <index>;).");
            }
            if (problems.Count > 0)
            {
                described[i] = new TableDescription(null, Publication.Combine(problems));
                continue;
            }
            var keyNames = keys[oid].Select(k => k.Name).ToList();
            var relation = new RelationInfo(oid, table.SchemaName, table.TableName, replicaIdentity,
                columns[oid].Select(c => c with { IsKey = keyNames.Contains(c.Name) }).ToList());
            described[i] = new TableDescription(new SourceTable(table, relation, keyNames, keys[oid].Select(k => k.Type).ToList(), partitioned)
            {
                GeneratedColumns = generated[oid],
            }, null);
        }
        return described;
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
    /// or null (<see cref="GeneratedColumns"/>); asks the server only for its version, and only when some are missing.</summary>
    public async Task<string?> GeneratedColumnsMissingAsync(SourceTable table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Options.ReadBackGeneratedColumns || GeneratedColumns.Unpublished(table).Count == 0)
        {
            return null;
        }
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return GeneratedColumns.Missing(table, _options.Publication, connection.PostgreSqlVersion);
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

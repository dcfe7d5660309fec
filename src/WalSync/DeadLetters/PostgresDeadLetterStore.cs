using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Replication;

namespace WalSync.DeadLetters;

/// <summary>Dead letters in a table of the source database (default <c>walsync.dead_letters</c>), created when missing.</summary>
internal sealed class PostgresDeadLetterStore : IDeadLetterArchive
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _table;

    /// <summary>Creates the store for <paramref name="qualifiedTable"/> (schema.table).</summary>
    public PostgresDeadLetterStore(NpgsqlDataSource dataSource, string qualifiedTable)
    {
        ArgumentNullException.ThrowIfNull(qualifiedTable);
        _dataSource = dataSource;
        var dot = qualifiedTable.IndexOf('.', StringComparison.Ordinal);
        _schema = dot < 0 ? "public" : qualifiedTable[..dot];
        _table = dot < 0 ? qualifiedTable : qualifiedTable[(dot + 1)..];
    }

    /// <summary>The table as a quoted SQL name.</summary>
    public string SqlName => $"{SourceTable.QuoteIdentifier(_schema)}.{SourceTable.QuoteIdentifier(_table)}";

    /// <summary>The DDL of the table, as WalSync runs it and as the error for a role that may not run it prints it.</summary>
    private string CreateSql => $"""
        CREATE SCHEMA IF NOT EXISTS {SourceTable.QuoteIdentifier(_schema)};
        CREATE TABLE IF NOT EXISTS {SqlName} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            table_name text NOT NULL,
            collection text NOT NULL,
            document_id text NOT NULL,
            key text[] NOT NULL,
            operation text NOT NULL,
            lsn pg_lsn,
            error text NOT NULL,
            document text,
            retried_at timestamptz);
        """;

    /// <summary>Uses the table when it exists and the role may write it (no CREATE right needed); creates it otherwise.</summary>
    /// <exception cref="ConfigurationException">The table exists but the role may not write it, or it is missing and the role
    /// may not create it; the message holds the statements to run.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken) => InitializeAsync(create: true, cancellationToken);

    /// <summary>Checks what <see cref="InitializeAsync(CancellationToken)"/> would do without changing anything: a missing
    /// table is created in a transaction that is rolled back, which proves the role's right to create it.</summary>
    /// <returns>What was found, in one sentence.</returns>
    /// <exception cref="ConfigurationException">As for <see cref="InitializeAsync(CancellationToken)"/>.</exception>
    public async Task<string> CheckAsync(CancellationToken cancellationToken) =>
        await InitializeAsync(create: false, cancellationToken)
            ? $"dead-letter table {_schema}.{_table} exists and the role may write it"
            : $"dead-letter table {_schema}.{_table} does not exist yet; the role may create it, and walsync run will";

    /// <summary>Returns true when the table existed.</summary>
    private async Task<bool> InitializeAsync(bool create, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var role = SourceTable.QuoteIdentifier(connection.UserName ?? "walsync");
        var grants = $"GRANT USAGE ON SCHEMA {SourceTable.QuoteIdentifier(_schema)} TO {role}; GRANT SELECT, INSERT, UPDATE ON {SqlName} TO {role};";
        await using (var check = new NpgsqlCommand(
            "SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE') " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", connection))
        {
            check.Parameters.AddWithValue(_schema);
            check.Parameters.AddWithValue(_table);
            if (await check.ExecuteScalarAsync(cancellationToken) is bool writable)
            {
                if (writable)
                {
                    return true;
                }
                throw new ConfigurationException($"The role {role} may not write the dead-letter table {_schema}.{_table}. Have its owner run: {grants}");
            }
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(CreateSql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new ConfigurationException($"The dead-letter table {_schema}.{_table} does not exist and the role {role} may not create it " +
                $"({e.MessageText}). Have an administrator run:{Environment.NewLine}{CreateSql}{Environment.NewLine}{grants}{Environment.NewLine}" +
                "or set DeadLetter:Table to a table the role may create, or DeadLetter:Directory to keep dead letters in files.", e);
        }
        if (create)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        return false;
    }

    /// <inheritdoc/>
    public async Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        if (deadLetters.Count == 0)
        {
            return;
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {SqlName} (table_name, collection, document_id, key, operation, lsn, error, document) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var letter in deadLetters)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(letter.Table, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(letter.Collection, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(letter.DocumentId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(letter.Key.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(letter.Operation, NpgsqlDbType.Text, cancellationToken);
            if (letter.Lsn == NpgsqlLogSequenceNumber.Invalid)
            {
                await writer.WriteNullAsync(cancellationToken);
            }
            else
            {
                await writer.WriteAsync(letter.Lsn, NpgsqlDbType.PgLsn, cancellationToken);
            }
            await writer.WriteAsync(letter.Error, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(letter.Document, NpgsqlDbType.Text, cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredDeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var letters = new List<StoredDeadLetter>();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, created_at, table_name, collection, document_id, key, operation, lsn, error, document, retried_at " +
            $"FROM {SqlName} WHERE ($1 OR retried_at IS NULL) AND ($2::text IS NULL OR table_name = $2) ORDER BY id LIMIT $3", connection);
        command.Parameters.AddWithValue(query.IncludeRetried);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)query.QualifiedTable ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = query.Limit is { } limit ? limit : DBNull.Value });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var letter = new DeadLetter(reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<string[]>(5),
                    reader.GetString(6), reader.IsDBNull(7) ? NpgsqlLogSequenceNumber.Invalid : reader.GetFieldValue<NpgsqlLogSequenceNumber>(7),
                    reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9));
                letters.Add(new StoredDeadLetter(reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10), letter));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // Nothing was ever dead-lettered: WalSync creates the table on its first start.
        }
        return letters;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, long>> CountPendingAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT table_name, count(*) FROM {SqlName} WHERE retried_at IS NULL GROUP BY table_name", connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // Nothing was ever dead-lettered: WalSync creates the table on its first start.
        }
        return counts;
    }

    /// <inheritdoc/>
    public async Task MarkRetriedAsync(IReadOnlyCollection<string> ids, DateTimeOffset retriedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var rowIds = ids.Select(id => long.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var rowId) ? rowId : -1).Where(id => id > 0).ToArray();
        if (rowIds.Length == 0)
        {
            return;
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"UPDATE {SqlName} SET retried_at = $1 WHERE id = ANY($2)", connection);
        command.Parameters.AddWithValue(retriedAt);
        command.Parameters.AddWithValue(rowIds);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Replication;

namespace WalSync.DeadLetters;

/// <summary>Dead letters in a table of the source database (default <c>walsync.dead_letters</c>), created when missing.</summary>
internal sealed class PostgresDeadLetterStore : IDeadLetterArchive
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly OwnedTable _table;

    /// <summary>Creates the store for <paramref name="qualifiedTable"/> (schema.table).</summary>
    public PostgresDeadLetterStore(NpgsqlDataSource dataSource, string qualifiedTable)
    {
        _dataSource = dataSource;
        _table = new OwnedTable(dataSource, qualifiedTable, """
            (
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
                retried_at timestamptz)
            """, "SELECT, INSERT, UPDATE", "dead-letter table",
            "or set DeadLetter:Table to a table the role may create, or DeadLetter:Directory to keep dead letters in files.");
    }

    /// <summary>The table as a quoted SQL name.</summary>
    public string SqlName => _table.SqlName;

    /// <summary>Uses the table when it exists and the role may write it (no CREATE right needed); creates it otherwise.</summary>
    /// <exception cref="ConfigurationException">The table exists but the role may not write it, or it is missing and the role
    /// may not create it; the message holds the statements to run.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken) => _table.InitializeAsync(cancellationToken);

    /// <summary>Checks what <see cref="InitializeAsync(CancellationToken)"/> would do without changing anything.</summary>
    /// <returns>What was found, in one sentence.</returns>
    /// <exception cref="ConfigurationException">As for <see cref="InitializeAsync(CancellationToken)"/>.</exception>
    public Task<string> CheckAsync(CancellationToken cancellationToken) => _table.CheckAsync(cancellationToken);

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

using Npgsql;
using WalSync.Configuration;
using WalSync.Replication;

namespace WalSync.Backfill;

/// <summary>
/// The durable progress of backfills, one row per slot, table and collection being filled, in a table of the source
/// database (<c>Backfill:Table</c>, default <c>walsync.backfills</c>), created when missing: a restarted WalSync
/// resumes each backfill after the last key or page it wrote.
/// </summary>
/// <remarks>Physical order's progress goes into <c>last_key</c> as <c>{NULL, filenode, next page, end page}</c>: a key
/// never holds a NULL, and the table keeps the shape that existing deployments granted.</remarks>
internal sealed class BackfillStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _slot;
    private readonly OwnedTable _table;

    /// <summary>Creates the store of <paramref name="slot"/>'s backfills in <paramref name="qualifiedTable"/> (schema.table).</summary>
    public BackfillStore(NpgsqlDataSource dataSource, string slot, string qualifiedTable)
    {
        _dataSource = dataSource;
        _slot = slot;
        _table = new OwnedTable(dataSource, qualifiedTable, """
            (
                slot text NOT NULL,
                table_name text NOT NULL,
                collection text NOT NULL,
                last_key text[],
                rows_done bigint NOT NULL DEFAULT 0,
                started_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz,
                PRIMARY KEY (slot, table_name, collection))
            """, "SELECT, INSERT, UPDATE, DELETE", "backfill progress table", "or set Backfill:Table to a table the role may create.");
    }

    private string SqlName => _table.SqlName;

    /// <summary>Uses the table when it exists and the role may write it; creates it otherwise.</summary>
    /// <exception cref="ConfigurationException">The role may not write or create it; the message holds the statements to run.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken) => _table.InitializeAsync(cancellationToken);

    /// <summary>Checks what <see cref="InitializeAsync"/> would do without changing anything.</summary>
    /// <returns>What was found, in one sentence.</returns>
    /// <exception cref="ConfigurationException">As for <see cref="InitializeAsync"/>.</exception>
    public Task<string> CheckAsync(CancellationToken cancellationToken) => _table.CheckAsync(cancellationToken);

    /// <summary>The backfills of this slot that have not finished.</summary>
    public async Task<IReadOnlyList<BackfillRecord>> LoadUnfinishedAsync(CancellationToken cancellationToken)
    {
        var records = new List<BackfillRecord>();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT table_name, collection, last_key, rows_done FROM {SqlName} WHERE slot = $1 AND finished_at IS NULL ORDER BY started_at", connection);
        command.Parameters.AddWithValue(_slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var last = reader.IsDBNull(2) ? null : reader.GetFieldValue<string?[]>(2);
            records.Add(last is [null, var node, var next, var end]
                ? new BackfillRecord(reader.GetString(0), reader.GetString(1), null, reader.GetInt64(3), new PageProgress(Parse(node), Parse(next), Parse(end)))
                : new BackfillRecord(reader.GetString(0), reader.GetString(1), last!, reader.GetInt64(3)));
        }
        return records;
    }

    /// <summary>Records a new backfill of <paramref name="table"/> into <paramref name="collection"/>, from its first row.</summary>
    public Task StartAsync(string table, string collection, CancellationToken cancellationToken) => ExecuteAsync(
        $"INSERT INTO {SqlName} (slot, table_name, collection) VALUES ($1, $2, $3) " +
        "ON CONFLICT (slot, table_name, collection) DO UPDATE SET last_key = NULL, rows_done = 0, started_at = now(), updated_at = now(), finished_at = NULL",
        cancellationToken, _slot, table, collection);

    /// <summary>Records that every row up to <paramref name="record"/>'s last key or page is written.</summary>
    public Task SaveAsync(BackfillRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        object last = record.Pages is { } pages ? new string?[] { null, Format(pages.Filenode), Format(pages.NextPage), Format(pages.EndPage) }
            : record.LastKey ?? (object)DBNull.Value;
        return ExecuteAsync($"UPDATE {SqlName} SET last_key = $4, rows_done = $5, updated_at = now() WHERE slot = $1 AND table_name = $2 AND collection = $3",
            cancellationToken, _slot, record.Table, record.Collection, last, record.RowsDone);
    }

    private static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static long Parse(string? value) => long.Parse(value ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records that the backfill is complete.</summary>
    public Task FinishAsync(BackfillRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteAsync($"UPDATE {SqlName} SET finished_at = now(), updated_at = now() WHERE slot = $1 AND table_name = $2 AND collection = $3",
            cancellationToken, _slot, record.Table, record.Collection);
    }

    /// <summary>Forgets every backfill of this slot (its slot was dropped: what it wrote no longer counts).</summary>
    public Task ForgetSlotAsync(CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {SqlName} WHERE slot = $1", cancellationToken, _slot);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter is DBNull
                ? new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, Value = DBNull.Value }
                : new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

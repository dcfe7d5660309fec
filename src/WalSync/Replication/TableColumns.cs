using Npgsql;

namespace WalSync.Replication;

/// <summary>A configured table's columns as the catalog has them now, as the stream would publish them: the publication's
/// column list applied, generated columns only where the server can publish them (<see cref="GeneratedColumns"/>).</summary>
internal static class TableColumns
{
    /// <summary>The table's columns now, as a relation version; <paramref name="previous"/> when nothing changed, so
    /// mappers are reused.</summary>
    public static async Task<RelationInfo> CurrentAsync(NpgsqlConnection connection, SourceTable table, RelationInfo previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(previous);
        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped " +
            $"AND {GeneratedColumns.ReadCondition(connection)} ORDER BY a.attnum", connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, table.Relation.RelationId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (table.PublishedColumns is null || table.PublishedColumns.Contains(name))
                {
                    columns.Add(new ColumnInfo(name, reader.GetFieldValue<uint>(1), reader.GetInt32(2), table.KeyColumns.Contains(name)));
                }
            }
        }
        return columns.SequenceEqual(previous.Columns) ? previous : previous with { Columns = columns };
    }
}

using Npgsql;

namespace WalSync.Replication;

/// <summary>A configured table's columns as the catalog has them now, as the stream would publish them: the publication's
/// column list applied, generated columns only where the server can publish them (<see cref="GeneratedColumns"/>).</summary>
internal static class TableColumns
{
    /// <summary>The table's columns now, as a relation version; <paramref name="previous"/> when nothing changed, so
    /// mappers are reused.</summary>
    public static async Task<RelationInfo> CurrentAsync(NpgsqlConnection connection, SourceTable table, RelationInfo previous, CancellationToken cancellationToken) =>
        (await CurrentAsync(connection, [table], [previous], cancellationToken))[0];

    /// <summary>The columns of each of <paramref name="tables"/> now, in one read; for each, its entry of
    /// <paramref name="previous"/> when nothing changed, so mappers are reused. A table gone has no columns.</summary>
    public static async Task<IReadOnlyList<RelationInfo>> CurrentAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables,
        IReadOnlyList<RelationInfo> previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(previous);
        var oids = tables.Select(t => t.Relation.RelationId).ToArray();
        var read = oids.Distinct().ToDictionary(o => o, _ => new List<(string Name, uint Type, int Modifier)>());
        await using (var command = new NpgsqlCommand(
            "SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod FROM pg_attribute a WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped " +
            $"AND {GeneratedColumns.ReadCondition(connection)} ORDER BY a.attrelid, a.attnum", connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, oids);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                read[reader.GetFieldValue<uint>(0)].Add((reader.GetString(1), reader.GetFieldValue<uint>(2), reader.GetInt32(3)));
            }
        }
        var current = new RelationInfo[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            var table = tables[i];
            var columns = read[oids[i]].Where(c => table.PublishedColumns is null || table.PublishedColumns.Contains(c.Name))
                .Select(c => new ColumnInfo(c.Name, c.Type, c.Modifier, table.KeyColumns.Contains(c.Name))).ToList();
            current[i] = columns.SequenceEqual(previous[i].Columns) ? previous[i] : previous[i] with { Columns = columns };
        }
        return current;
    }
}

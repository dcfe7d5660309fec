using Npgsql;
using WalSync.Replication;

namespace WalSync.Sink;

/// <summary>
/// Reads rows back from PostgreSQL by key in the column layout of an earlier relation version: a column dropped since
/// the change was decoded reads as NULL (its field is left out, as it is from documents written after the drop), so the
/// row still fits that version's mapper and a dropped column cannot fail the flush over and over.
/// </summary>
internal static class RowReadBack
{
    /// <summary>The current rows of <paramref name="table"/> with <paramref name="keys"/>, laid out as <paramref name="relation"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="table">The table (key columns and types).</param>
    /// <param name="relation">The relation version the rows must fit.</param>
    /// <param name="keys">Key values in text form, one array per row.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The rows that still exist; none when a key column was dropped.</returns>
    public static async Task<IReadOnlyList<RowImage>> ReadAsync(NpgsqlConnection connection, SourceTable table, RelationInfo relation,
        IReadOnlyList<string[]> keys, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped", connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, relation.RelationId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                existing.Add(reader.GetString(0));
            }
        }
        if (table.KeyColumns.Any(k => !existing.Contains(k)))
        {
            return [];
        }
        var present = relation.Columns.Where(c => existing.Contains(c.Name)).ToList();
        var rows = await TableRowReader.ReadByKeysAsync(connection, table with { Relation = relation with { Columns = present } }, keys, cancellationToken);
        if (present.Count == relation.Columns.Count)
        {
            return rows;
        }
        var builder = new RowImageBuilder();
        return rows.Select(row =>
        {
            builder.Start(relation.Columns.Count);
            var read = 0;
            foreach (var column in relation.Columns)
            {
                if (!existing.Contains(column.Name))
                {
                    builder.AddNull();
                    continue;
                }
                builder.AddFrom(row, read);
                read++;
            }
            return builder.Build();
        }).ToList();
    }
}

using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Reads table rows with ordinary queries into <see cref="RowImage"/>s in the same text forms pgoutput sends: every
/// column is fetched in text format, produced by the type's output function under the pinned <see cref="SessionSettings"/>.
/// Used by the snapshot copy and to read a row back by key.
/// </summary>
internal static class TableRowReader
{
    /// <summary>Streams every row of <paramref name="table"/> visible to <paramref name="connection"/>'s transaction.</summary>
    /// <param name="connection">An open connection, normally inside the snapshot transaction.</param>
    /// <param name="table">The table; rows come in its catalog column order.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async IAsyncEnumerable<RowImage> ReadAllAsync(NpgsqlConnection connection, SourceTable table,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        // ONLY: inheritance children are published as their own relations; partitions come through their root.
        var from = table.IsPartitioned ? table.SqlName : "ONLY " + table.SqlName;
        var where = table.RowFilter is null ? "" : $" WHERE ({table.RowFilter})";
        await using var command = new NpgsqlCommand($"SELECT {ColumnList(table)} FROM {from}{where}", connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var builder = new RowImageBuilder();
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return Read(reader, builder);
        }
    }

    /// <summary>Reads the current rows of <paramref name="table"/> whose keys are <paramref name="keys"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="table">The table.</param>
    /// <param name="keys">Key values in text form, one array per row, in <see cref="SourceTable.KeyColumns"/> order.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rows that still exist and pass <see cref="SourceTable.RowFilter"/> (a deleted row is simply absent),
    /// in no particular order.</returns>
    public static async Task<IReadOnlyList<RowImage>> ReadByKeysAsync(NpgsqlConnection connection, SourceTable table,
        IReadOnlyList<string[]> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(keys);
        var rows = new List<RowImage>(keys.Count);
        if (keys.Count == 0)
        {
            return rows;
        }
        // The keys come in a subquery of their own, so the row filter's unqualified names can only mean the table's columns.
        var unnest = string.Join(", ", table.KeyColumns.Select((_, i) => $"${i + 1}::text[]"));
        var aliases = string.Join(", ", table.KeyColumns.Select((_, i) => $"k{i}"));
        var keyColumns = string.Join(", ", table.KeyColumns.Select(SourceTable.QuoteIdentifier));
        var keyValues = string.Join(", ", table.KeyColumns.Select((_, i) => $"u.k{i}::{table.KeyTypes[i]}"));
        var filter = table.RowFilter is null ? "" : $" AND ({table.RowFilter})";
        var sql = $"SELECT {ColumnList(table)} FROM {table.SqlName} WHERE ({keyColumns}) IN (SELECT {keyValues} FROM unnest({unnest}) AS u({aliases})){filter}";
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        for (var k = 0; k < table.KeyColumns.Count; k++)
        {
            command.Parameters.AddWithValue(keys.Select(key => key[k]).ToArray());
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var builder = new RowImageBuilder();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader, builder));
        }
        return rows;
    }

    private static string ColumnList(SourceTable table) =>
        string.Join(", ", table.Relation.Columns.Select(c => SourceTable.QuoteIdentifier(c.Name)));

    private static RowImage Read(NpgsqlDataReader reader, RowImageBuilder builder)
    {
        builder.Start(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.IsDBNull(i))
            {
                builder.AddNull();
            }
            else
            {
                builder.AddText(reader.GetFieldValue<string>(i));
            }
        }
        return builder.Build();
    }
}

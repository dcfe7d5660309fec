using System.Text;
using Npgsql;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;

namespace WalSync.Sink;

/// <summary>
/// Reads root rows with their nested fields from PostgreSQL in one statement: by key, the roots above changed rows of
/// nested and join tables (following the foreign keys upward, <see cref="NestedSql.AffectedRootKeys"/>), or every root.
/// Rows stream from the server, so a change that touches many roots is read and written in chunks with bounded memory.
/// </summary>
internal static class NestedReadBack
{
    /// <summary>The condition on the root alias <c>r0</c> that selects the roots with <paramref name="keys"/> (text forms, in key order).</summary>
    public static string ByKeys(SourceTable root, IReadOnlyList<string[]> keys, List<string[]> parameters)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(parameters);
        var unnest = new List<string>();
        for (var k = 0; k < root.KeyColumns.Count; k++)
        {
            parameters.Add([.. keys.Select(key => key[k])]);
            unnest.Add($"${parameters.Count}::text[]");
        }
        var values = string.Join(", ", root.KeyColumns.Select((_, i) => $"u.k{i}::{root.KeyTypes[i]}"));
        var aliases = string.Join(", ", root.KeyColumns.Select((_, i) => $"k{i}"));
        return $"({Keys(root)}) IN (SELECT {values} FROM unnest({string.Join(", ", unnest)}) AS u({aliases}))";
    }

    /// <summary>The condition on the root alias <c>r0</c> that selects the roots above <paramref name="changes"/> (their old
    /// and new values); null when no changed row leads to a parent (every referencing value is NULL).</summary>
    public static string? Affected(TableBinding root, IEnumerable<RelatedChange> changes, List<string[]> parameters)
    {
        ArgumentNullException.ThrowIfNull(root);
        var queries = new List<string>();
        foreach (var group in changes.GroupBy(c => c.Link))
        {
            var columns = NestedSql.UpwardColumns(group.Key.Plan, group.Key.Join);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var values = columns.Select(_ => new List<string>()).ToArray();
            foreach (var change in group)
            {
                foreach (var row in (RowImage[])[change.OldRow, change.NewRow])
                {
                    if (Values(row, change.Relation, columns) is { } found && seen.Add(string.Join('\u0001', found)))
                    {
                        for (var i = 0; i < found.Length; i++)
                        {
                            values[i].Add(found[i]);
                        }
                    }
                }
            }
            if (seen.Count > 0)
            {
                queries.Add(NestedSql.AffectedRootKeys(root.Source, group.Key.Plan, group.Key.Join, [.. values.Select(v => v.ToArray())], parameters));
            }
        }
        return queries.Count == 0 ? null : $"({Keys(root.Source)}) IN ({string.Join(" UNION ", queries)})";
    }

    /// <summary>Streams the roots that match <paramref name="condition"/> (on alias <c>r0</c>; every root when null) and pass the
    /// row filter, laid out as <paramref name="mapper"/>'s relation version, each with its nested fields.</summary>
    public static async IAsyncEnumerable<(RowImage Row, byte[] Nested)> ReadAsync(NpgsqlConnection connection, TableBinding root, DocumentMapper mapper,
        string? condition, List<string[]> parameters, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(mapper);
        var table = root.Source;
        var from = table.IsPartitioned ? table.SqlName : "ONLY " + table.SqlName;
        var conditions = (string?[])[condition, table.RowFilter is null ? null : $"({table.RowFilter})"];
        var where = string.Join(" AND ", conditions.OfType<string>());
        var columns = string.Join(", ", mapper.Relation.Columns.Select(c => "r0." + SourceTable.QuoteIdentifier(c.Name)));
        var sql = $"SELECT {columns}, {NestedSql.Document(mapper.Nested, "r0")}::text FROM {from} r0{(where.Length == 0 ? "" : " WHERE " + where)}";
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var builder = new RowImageBuilder();
        var count = mapper.Relation.Columns.Count;
        while (await reader.ReadAsync(cancellationToken))
        {
            builder.Start(count);
            for (var i = 0; i < count; i++)
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
            yield return (builder.Build(), Encoding.UTF8.GetBytes(reader.GetFieldValue<string>(count)));
        }
    }

    private static string Keys(SourceTable root) => string.Join(", ", root.KeyColumns.Select(k => "r0." + SourceTable.QuoteIdentifier(k)));

    // The text values of `columns` in `row`; null when the row is empty, lacks one of them, or one is NULL (no parent).
    private static string[]? Values(RowImage row, RelationInfo relation, IReadOnlyList<string> columns)
    {
        if (row.IsEmpty)
        {
            return null;
        }
        var values = new string[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var index = relation.IndexOf(columns[i]);
            if (index < 0 || index >= row.ColumnCount || row.GetKind(index) != ColumnValueKind.Text)
            {
                return null;
            }
            values[i] = row.GetString(index)!;
        }
        return values;
    }
}

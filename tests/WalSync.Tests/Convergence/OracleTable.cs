using WalSync.Configuration;

namespace WalSync.Tests.Convergence;

/// <summary>
/// A table of the oracle workload: its DDL, key, columns (more are added mid-stream), options, and the query that gives
/// its expected documents. The workload keeps the set of keys that exist, so that its statements are always valid.
/// </summary>
internal sealed class OracleTable
{
    /// <summary>The table name in schema public.</summary>
    public required string Name { get; init; }

    /// <summary>CREATE TABLE (and partitions, types, storage settings).</summary>
    public required string CreateSql { get; init; }

    /// <summary>The relations whose replica identity is set (a partitioned table and its partitions).</summary>
    public IReadOnlyList<string> IdentityTargets { get; init; } = [];

    /// <summary>The key columns, in key order.</summary>
    public required IReadOnlyList<OracleColumn> KeyColumns { get; init; }

    /// <summary>A new random key: one SQL literal per key column.</summary>
    public required Func<OracleValues, string[]> NewKey { get; init; }

    /// <summary>The SQL expression of the document id.</summary>
    public required string IdExpression { get; init; }

    /// <summary>The non-key columns, in table order; columns added mid-stream are appended.</summary>
    public required List<OracleColumn> Columns { get; init; }

    /// <summary>Columns added mid-stream with ALTER TABLE ... ADD COLUMN.</summary>
    public required IReadOnlyList<OracleColumn> LaterColumns { get; init; }

    /// <summary>For a table partitioned by list on its first key column: a value no generated key has, for a partition
    /// that is created apart, filled, attached and later detached; null for other tables.</summary>
    public string? SparePartitionValue { get; init; }

    /// <summary>The column holding large, out-of-line TOASTed text.</summary>
    public required string BigColumn { get; init; }

    /// <summary>The boolean soft-delete column, or null.</summary>
    public string? SoftDeleteColumn { get; init; }

    /// <summary>Tables[].Columns, or null.</summary>
    public IList<string>? OnlyColumns { get; init; }

    /// <summary>Tables[].ExcludeColumns, or null.</summary>
    public IList<string>? ExcludeColumns { get; init; }

    /// <summary>Row filters this table can take: one over key columns (any replica identity) and, when it has one, one
    /// over another column (REPLICA IDENTITY FULL only, as PostgreSQL requires).</summary>
    public (string OnKey, string? OnColumn) RowFilters { get; init; }

    /// <summary>Tables[].Where for this run, or null.</summary>
    public string? Where { get; set; }

    /// <summary>The keys of the rows that exist now (SQL literals).</summary>
    public List<string[]> Rows { get; private set; } = [];

    /// <summary>The key columns that are document fields (a key column named <c>id</c> is only the document id).</summary>
    public IEnumerable<OracleColumn> KeyFields => KeyColumns.Where(k => k.Name != "id");

    /// <summary>The collection name (without the test prefix).</summary>
    public string Collection => Name;

    /// <summary>The configuration entry.</summary>
    public TableOptions Options(string prefix) => new()
    {
        Table = "public." + Name, Collection = prefix + Collection, SoftDeleteColumn = SoftDeleteColumn,
        Columns = OnlyColumns, ExcludeColumns = ExcludeColumns, Where = Where,
    };

    /// <summary>The query of the expected documents (id, document) for the columns the table has now.</summary>
    public string ExpectedQuery()
    {
        var fields = KeyFields.Concat(Columns).Where(c => c.IsField).Select(c => (c.Name, c.Expected));
        var conditions = new[] { SoftDeleteColumn is null ? null : $"{SoftDeleteColumn} IS NOT TRUE", Where is null ? null : $"({Where})" }.OfType<string>().ToList();
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        return $"SELECT {IdExpression} AS id, {ExpectedSql.Document(fields)} AS document FROM {Name}{where}";
    }

    /// <summary>A WHERE condition matching the row with key <paramref name="key"/>.</summary>
    public string Match(string[] key) => string.Join(" AND ", KeyColumns.Select((k, i) => $"{k.Name} = {key[i]}"));

    /// <summary>A SET list giving the row key <paramref name="key"/>.</summary>
    public string SetKey(string[] key) => string.Join(", ", KeyColumns.Select((k, i) => $"{k.Name} = {key[i]}"));

    /// <summary>A key no existing row has.</summary>
    public string[] FreshKey(OracleValues values)
    {
        while (true)
        {
            var key = NewKey(values);
            if (!Rows.Any(r => r.SequenceEqual(key)))
            {
                return key;
            }
        }
    }

    /// <summary>The current key set, to restore after a rollback.</summary>
    public List<string[]> SaveRows() => [.. Rows];

    /// <summary>Restores a key set saved with <see cref="SaveRows"/>.</summary>
    public void RestoreRows(List<string[]> rows) => Rows = rows;
}

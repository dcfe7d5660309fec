using WalSync.Configuration;
using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>Which columns of a relation become fields, which make the document id, and which marks soft deletes.</summary>
internal sealed class MappingPlan
{
    // Typesense keeps "id" for the document id: a field of that name in a schema is ignored.
    private const string IdField = "id";

    private MappingPlan(FieldPlan[] fields, int[] keyColumns, int softDeleteColumn, bool softDeleteIsBool)
    {
        Fields = fields;
        KeyColumns = keyColumns;
        SoftDeleteColumn = softDeleteColumn;
        SoftDeleteIsBool = softDeleteIsBool;
    }

    /// <summary>The columns that become fields, in column order.</summary>
    public FieldPlan[] Fields { get; }

    /// <summary>The positions of the key columns, in key order.</summary>
    public int[] KeyColumns { get; }

    /// <summary>The position of the soft-delete column, or -1.</summary>
    public int SoftDeleteColumn { get; }

    /// <summary>True when the soft-delete column is a boolean (true deletes); otherwise any value deletes.</summary>
    public bool SoftDeleteIsBool { get; }

    /// <summary>Checks <paramref name="table"/> against <paramref name="relation"/> and plans the fields.</summary>
    /// <exception cref="MappingConfigurationException">The configuration names columns the relation does not have, or the key cannot be built.</exception>
    public static MappingPlan Create(RelationInfo relation, IReadOnlyList<string> keyColumns, TableOptions table, PgTypeCatalog types)
    {
        ArgumentNullException.ThrowIfNull(relation);
        ArgumentNullException.ThrowIfNull(keyColumns);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(types);
        var name = relation.QualifiedName;
        if (table.Columns is { Count: > 0 } && table.ExcludeColumns is { Count: > 0 })
        {
            throw Error(name, "Tables[].Columns and Tables[].ExcludeColumns are both set; set only one of them");
        }
        if (keyColumns.Count == 0)
        {
            throw Error(name, "the table has no primary key, so its rows have no document id; add a primary key "
                + "(or a unique index on NOT NULL columns with ALTER TABLE ... REPLICA IDENTITY USING INDEX ...)");
        }
        var keys = new int[keyColumns.Count];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = relation.IndexOf(keyColumns[k]);
            if (keys[k] < 0)
            {
                throw Error(name, $"key column \"{keyColumns[k]}\" is not published; a publication column list must include every key column");
            }
        }
        CheckNames(relation, table.Columns, "Tables[].Columns");
        CheckNames(relation, table.ExcludeColumns, "Tables[].ExcludeColumns");
        foreach (var excluded in table.ExcludeColumns ?? [])
        {
            if (keyColumns.Contains(excluded))
            {
                throw Error(name, $"Tables[].ExcludeColumns names \"{excluded}\", which is part of the key that makes the document id; remove it from the list");
            }
        }
        var softDelete = -1;
        if (!string.IsNullOrEmpty(table.SoftDeleteColumn))
        {
            softDelete = relation.IndexOf(table.SoftDeleteColumn);
            if (softDelete < 0)
            {
                throw Error(name, $"Tables[].SoftDeleteColumn names \"{table.SoftDeleteColumn}\", which is not a published column ({ColumnList(relation)}); fix the setting");
            }
        }
        var fields = new List<FieldPlan>(relation.Columns.Count);
        for (var i = 0; i < relation.Columns.Count; i++)
        {
            var column = relation.Columns[i];
            var isKey = Array.IndexOf(keys, i) >= 0;
            var selected = isKey || (table.Columns is { Count: > 0 } ? table.Columns.Contains(column.Name) : table.ExcludeColumns?.Contains(column.Name) != true);
            if (!selected || (isKey && column.Name == IdField))
            {
                // A key column named "id" is already in the document id: its own field would be ignored by Typesense.
                continue;
            }
            if (column.Name == IdField)
            {
                throw Error(name, "column \"id\" is not part of the key, but Typesense keeps the field id for the document id (the key); "
                    + "add \"id\" to Tables[].ExcludeColumns (or leave it out of Tables[].Columns)");
            }
            fields.Add(new FieldPlan(i, column.Name, JsonLineWriter.EncodePropertyName(column.Name), ColumnType.Resolve(types, column.TypeOid), isKey));
        }
        var softDeleteIsBool = softDelete >= 0 && ColumnType.Resolve(types, relation.Columns[softDelete].TypeOid) is { Kind: ScalarKind.Bool, IsArray: false };
        return new MappingPlan([.. fields], keys, softDelete, softDeleteIsBool);
    }

    private static void CheckNames(RelationInfo relation, IList<string>? names, string setting)
    {
        foreach (var name in names ?? [])
        {
            if (relation.IndexOf(name) < 0)
            {
                throw Error(relation.QualifiedName, $"{setting} names \"{name}\", which is not a published column ({ColumnList(relation)}); fix or remove the entry");
            }
        }
    }

    private static string ColumnList(RelationInfo relation) =>
        "columns: " + string.Join(", ", relation.Columns.Select(c => c.Name));

    private static MappingConfigurationException Error(string table, string problem) => new($"Table {table}: {problem}.");
}

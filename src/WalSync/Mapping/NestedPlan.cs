using WalSync.Configuration;

namespace WalSync.Mapping;

/// <summary>
/// One resolved <c>Nested</c> entry: the nested table, how it joins its parent (columns compared pairwise, in foreign
/// key order), the columns that become sub-fields, and the entries nested in it.
/// </summary>
/// <remarks>Join condition: many-to-one and one-to-many compare <c>parent.ParentColumns = nested.ChildColumns</c>;
/// many-to-many compares <c>parent.ParentColumns = join.JoinParentColumns</c> and <c>join.JoinChildColumns = nested.ChildColumns</c>.</remarks>
internal sealed class NestedPlan
{
    /// <summary>The entry as configured.</summary>
    public required NestedOptions Options { get; init; }

    /// <summary>The field's name.</summary>
    public string Field => Options.Field;

    /// <summary>The field's name as the JSON writer writes it.</summary>
    public required byte[] EncodedField { get; init; }

    /// <summary>How the nested table relates to its parent.</summary>
    public required NestedRelationKind Kind { get; init; }

    /// <summary>The parent's table (the root's or the enclosing entry's), schema.table.</summary>
    public required string ParentTable { get; init; }

    /// <summary>The nested table, schema.table.</summary>
    public required string Table { get; init; }

    /// <summary>The nested table, quoted for SQL.</summary>
    public required string SqlTable { get; init; }

    /// <summary>The join table for <see cref="NestedRelationKind.ManyToMany"/>, quoted for SQL; null otherwise.</summary>
    public string? SqlThrough { get; init; }

    /// <summary>The join table for <see cref="NestedRelationKind.ManyToMany"/>, schema.table; null otherwise.</summary>
    public string? Through { get; init; }

    /// <summary>The parent's columns of the join condition.</summary>
    public required IReadOnlyList<string> ParentColumns { get; init; }

    /// <summary>The nested table's columns of the join condition.</summary>
    public required IReadOnlyList<string> ChildColumns { get; init; }

    /// <summary>The join table's columns that reference the parent; empty unless many-to-many.</summary>
    public IReadOnlyList<string> JoinParentColumns { get; init; } = [];

    /// <summary>The join table's columns that reference the nested table; empty unless many-to-many.</summary>
    public IReadOnlyList<string> JoinChildColumns { get; init; } = [];

    /// <summary>The nested table's primary key columns: arrays are ordered by them.</summary>
    public required IReadOnlyList<string> KeyColumns { get; init; }

    /// <summary>SQL types (format_type) of the nested table's and the join table's columns, by table then column.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ColumnTypes { get; init; }

    /// <summary>The columns that become sub-fields, in column order.</summary>
    public required IReadOnlyList<NestedColumn> Columns { get; init; }

    /// <summary>The entries nested inside each row of this one.</summary>
    public required IReadOnlyList<NestedPlan> Children { get; init; }

    /// <summary>The enclosing entry; null when the parent is the root table.</summary>
    public NestedPlan? Parent { get; set; }

    /// <summary>True when the field holds an array of objects.</summary>
    public bool IsArray => Kind is NestedRelationKind.OneToMany or NestedRelationKind.ManyToMany;

    /// <summary>The entry that reads <paramref name="root"/>'s generated <paramref name="columns"/> back with each row
    /// (<see cref="NestedRelationKind.Generated"/>), for <c>Tables[].ReadBackGeneratedColumns</c>.</summary>
    /// <param name="root">The configured table.</param>
    /// <param name="columns">The generated columns the stream does not carry, names and type OIDs, in column order.</param>
    /// <param name="types">The type catalog that knows their types.</param>
    public static NestedPlan ForGeneratedColumns(Replication.SourceTable root, IEnumerable<(string Name, uint TypeOid)> columns, PgTypeCatalog types)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new NestedPlan
        {
            Options = new NestedOptions { Field = "", Table = root.Relation.QualifiedName },
            EncodedField = [],
            Kind = NestedRelationKind.Generated,
            ParentTable = root.Relation.QualifiedName,
            Table = root.Relation.QualifiedName,
            SqlTable = root.SqlName,
            ParentColumns = [],
            ChildColumns = [],
            KeyColumns = root.KeyColumns,
            ColumnTypes = new Dictionary<string, IReadOnlyDictionary<string, string>>(),
            Columns = [.. columns.Select(c => new NestedColumn(c.Name, JsonLineWriter.EncodePropertyName(c.Name), ColumnType.Resolve(types, c.TypeOid)))],
            Children = [],
        };
    }
}

namespace WalSync.Configuration;

/// <summary>
/// One entry of <c>Tables[].Nested</c> (or of a <c>Nested</c> inside one): a related table whose rows become a field of
/// the parent's documents. The relation comes from the foreign keys in the catalog: the parent references the table
/// (many-to-one, an object), the table references the parent (one-to-many, an array of objects), or a join table named
/// by <see cref="Through"/> references both (many-to-many, an array of objects).
/// </summary>
public sealed class NestedOptions
{
    /// <summary>The field of the parent's documents that holds the related rows. Required.</summary>
    public string Field { get; set; } = "";

    /// <summary>The schema-qualified related table, e.g. <c>public.organizations</c> (a bare name means <c>public</c>). Required.</summary>
    public string Table { get; set; } = "";

    /// <summary>A join table that references both the parent and <see cref="Table"/>: the relation is many-to-many.</summary>
    public string? Through { get; set; }

    /// <summary>When set, only these columns of the related rows become sub-fields.</summary>
    public IList<string>? Columns { get; set; }

    /// <summary>Columns of the related rows that never become sub-fields. Cannot be combined with <see cref="Columns"/>.</summary>
    public IList<string>? ExcludeColumns { get; set; }

    /// <summary>The referencing columns of the foreign key to follow, when several foreign keys link the two tables
    /// (for <see cref="Through"/>, on the side where several qualify).</summary>
    public IList<string>? ForeignKey { get; set; }

    /// <summary>Tables nested in turn inside each related row.</summary>
    public IList<NestedOptions>? Nested { get; set; }

    /// <summary>The schema part of <see cref="Table"/>.</summary>
    public string SchemaName => SchemaOf(Table);

    /// <summary>The table part of <see cref="Table"/>.</summary>
    public string TableName => NameOf(Table);

    /// <summary>The schema part of a <c>schema.table</c> name; <c>public</c> for a bare name.</summary>
    internal static string SchemaOf(string table) =>
        table.Contains('.', StringComparison.Ordinal) ? table[..table.IndexOf('.', StringComparison.Ordinal)] : "public";

    /// <summary>The table part of a <c>schema.table</c> name.</summary>
    internal static string NameOf(string table) =>
        table.Contains('.', StringComparison.Ordinal) ? table[(table.IndexOf('.', StringComparison.Ordinal) + 1)..] : table;
}

namespace WalSync.Configuration;

/// <summary>One entry of <c>Tables[]</c>: a PostgreSQL table and the Typesense collection it is kept equal to.</summary>
public sealed class TableOptions
{
    /// <summary>The schema-qualified table, e.g. <c>public.products</c> (a bare name means <c>public</c>). Required.</summary>
    public string Table { get; set; } = "";

    /// <summary>The Typesense collection; defaults to the table name without its schema.</summary>
    public string? Collection { get; set; }

    /// <summary>When set, only these columns become fields (the key columns are always included).</summary>
    public IList<string>? Columns { get; set; }

    /// <summary>Columns that never become fields. Cannot be combined with <see cref="Columns"/>, and cannot name a key column.</summary>
    public IList<string>? ExcludeColumns { get; set; }

    /// <summary>
    /// A column that marks a row as deleted: a boolean column deletes the document when true, a column of any other
    /// type when it is not NULL.
    /// </summary>
    public string? SoftDeleteColumn { get; set; }

    /// <summary>The schema part of <see cref="Table"/>.</summary>
    public string SchemaName => Table.Contains('.', StringComparison.Ordinal) ? Table[..Table.IndexOf('.', StringComparison.Ordinal)] : "public";

    /// <summary>The table part of <see cref="Table"/>.</summary>
    public string TableName => Table.Contains('.', StringComparison.Ordinal) ? Table[(Table.IndexOf('.', StringComparison.Ordinal) + 1)..] : Table;

    /// <summary>The collection documents go to: <see cref="Collection"/> or the table name.</summary>
    public string CollectionName => string.IsNullOrWhiteSpace(Collection) ? TableName : Collection;
}

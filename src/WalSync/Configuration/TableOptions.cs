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

    /// <summary>
    /// A row filter: an SQL boolean expression over the table's columns, e.g. <c>published AND tenant_id = 7</c>. Only
    /// rows for which it is true become documents; a row that stops matching leaves the collection, one that starts
    /// matching enters it. WalSync makes it the publication's row filter (PostgreSQL 15 or later) and applies the same
    /// predicate to every read of the table (first copy, read-backs, <c>dead-letters retry</c>).
    /// </summary>
    /// <remarks>PostgreSQL allows only simple immutable built-in expressions, and, because the publication publishes
    /// updates and deletes, only columns of the replica identity
    /// (https://www.postgresql.org/docs/15/logical-replication-row-filter.html).</remarks>
    public string? Where { get; set; }

    /// <summary>
    /// Reads the table's generated columns that the stream does not carry back from PostgreSQL, by key, at each flush
    /// (one batched query per collection and flush), so that documents hold them. Default false: they are left out, and
    /// named at start. Needed before PostgreSQL 18 for STORED columns, and on 18 for VIRTUAL ones (and STORED ones a
    /// publication does not publish). Costs one read per flush and writes every change of the table whole; measured
    /// in <c>benchmarks/README.md</c>. Turned on for an existing collection, documents get the columns as their rows
    /// change; <c>walsync run --reindex TABLE</c> fills them all.
    /// </summary>
    /// <remarks>pgoutput before 18 skips every column with <c>attgenerated</c> set; 18 publishes stored ones with
    /// <c>publish_generated_columns = stored</c>, virtual ones never
    /// (https://www.postgresql.org/docs/18/sql-createpublication.html).</remarks>
    public bool ReadBackGeneratedColumns { get; set; }

    /// <summary>Related tables whose rows become object or array fields of each document, found through foreign keys
    /// (see <see cref="NestedOptions"/>). A change to any of them rebuilds the documents it affects.</summary>
    public IList<NestedOptions>? Nested { get; set; }

    /// <summary>The schema part of <see cref="Table"/>.</summary>
    public string SchemaName => Table.Contains('.', StringComparison.Ordinal) ? Table[..Table.IndexOf('.', StringComparison.Ordinal)] : "public";

    /// <summary>The table part of <see cref="Table"/>.</summary>
    public string TableName => Table.Contains('.', StringComparison.Ordinal) ? Table[(Table.IndexOf('.', StringComparison.Ordinal) + 1)..] : Table;

    /// <summary>The collection documents go to: <see cref="Collection"/> or the table name.</summary>
    public string CollectionName => string.IsNullOrWhiteSpace(Collection) ? TableName : Collection;
}

using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>A configured table as found in the source database's catalog at start.</summary>
/// <param name="Options">The table's configuration entry.</param>
/// <param name="Relation">Its published columns, read from the catalog (later replaced by Relation messages).</param>
/// <param name="KeyColumns">The document key in key order: the replica identity index under REPLICA IDENTITY USING INDEX, else the primary key.</param>
/// <param name="KeyTypes">The SQL type of each key column (<c>format_type</c>), used to read rows back by key.</param>
/// <param name="IsPartitioned">True for a partitioned table, published through its root.</param>
internal sealed record SourceTable(TableOptions Options, RelationInfo Relation, IReadOnlyList<string> KeyColumns, IReadOnlyList<string> KeyTypes, bool IsPartitioned)
{
    /// <summary>The table as a quoted SQL identifier, e.g. <c>"public"."products"</c>.</summary>
    public string SqlName => $"{QuoteIdentifier(Relation.Namespace)}.{QuoteIdentifier(Relation.Name)}";

    /// <summary>The row filter every read of the table applies (an SQL boolean expression over its columns), or null
    /// for every row: the publication's row filter, which is <see cref="TableOptions.Where"/> when WalSync created it.
    /// Reads apply exactly what the stream applies, so the copy never holds rows the stream would not send.</summary>
    public string? RowFilter { get; init; }

    /// <summary>The publication's column list for the table, or null when it publishes every column.</summary>
    public IReadOnlyList<string>? PublishedColumns { get; init; }

    /// <summary>The table's generated columns in column order, published or not, as the catalog had them when the table
    /// was described.</summary>
    public IReadOnlyList<GeneratedColumn> GeneratedColumns { get; init; } = [];

    /// <summary>Quotes an SQL identifier.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

namespace WalSync.Mapping;

/// <summary>A column of a nested table that becomes a sub-field.</summary>
/// <param name="Name">The column name, which is also the sub-field name.</param>
/// <param name="EncodedName">The name as the JSON writer writes it (<c>"name":</c>).</param>
/// <param name="Type">How the column maps: the same table as for top-level columns.</param>
internal sealed record NestedColumn(string Name, byte[] EncodedName, ColumnType Type);

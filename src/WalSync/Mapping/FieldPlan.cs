namespace WalSync.Mapping;

/// <summary>One column that becomes a document field.</summary>
/// <param name="Column">The column's position in the relation (and in every row image of it).</param>
/// <param name="Name">The column name, which is also the field name.</param>
/// <param name="EncodedName">The field name as the JSON writer writes it (<c>"name":</c>), encoded once.</param>
/// <param name="Type">How the column maps.</param>
/// <param name="IsKey">True for a key column: its field is required (not optional).</param>
internal readonly record struct FieldPlan(int Column, string Name, byte[] EncodedName, ColumnType Type, bool IsKey);

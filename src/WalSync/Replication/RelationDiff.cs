namespace WalSync.Replication;

/// <summary>
/// What changed between two versions of a relation's published columns, compared by name: the columns added and the
/// columns whose type or type modifier changed. The key flags are not compared (under REPLICA IDENTITY FULL a Relation
/// message marks every column as key, the catalog only the key's).
/// </summary>
/// <param name="Added">Columns of the current version that the previous one did not have.</param>
/// <param name="Retyped">Columns of both versions whose type OID or type modifier differ: (previous, current).</param>
internal sealed record RelationDiff(IReadOnlyList<ColumnInfo> Added, IReadOnlyList<(ColumnInfo Previous, ColumnInfo Current)> Retyped)
{
    /// <summary>True when nothing was added or retyped (dropped columns and a new column order do not count).</summary>
    public bool IsEmpty => Added.Count == 0 && Retyped.Count == 0;

    /// <summary>Compares <paramref name="previous"/> with <paramref name="current"/>, two versions of one relation.</summary>
    public static RelationDiff Compare(RelationInfo previous, RelationInfo current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var added = new List<ColumnInfo>();
        var retyped = new List<(ColumnInfo, ColumnInfo)>();
        foreach (var column in current.Columns)
        {
            var index = previous.IndexOf(column.Name);
            if (index < 0)
            {
                added.Add(column);
            }
            else if (previous.Columns[index] is var before && (before.TypeOid != column.TypeOid || before.TypeModifier != column.TypeModifier))
            {
                retyped.Add((before, column));
            }
        }
        return new RelationDiff(added, retyped);
    }
}

namespace WalSync.Replication;

/// <summary>
/// An immutable snapshot of a relation's published columns, taken from a pgoutput Relation message or, before
/// streaming starts, from the catalog. A new Relation message (ALTER TABLE, reconnect) makes a new instance, so a
/// change always carries the schema it was written with.
/// </summary>
/// <remarks>Relation message format: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html</remarks>
/// <param name="RelationId">The relation's OID.</param>
/// <param name="Namespace">The schema name ("public").</param>
/// <param name="Name">The table name.</param>
/// <param name="ReplicaIdentity">The table's replica identity: which old columns updates and deletes carry.</param>
/// <param name="Columns">The published columns in tuple order.</param>
internal sealed record RelationInfo(uint RelationId, string Namespace, string Name, ReplicaIdentity ReplicaIdentity, IReadOnlyList<ColumnInfo> Columns)
{
    /// <summary>The schema-qualified name as written in configuration, e.g. <c>public.products</c>.</summary>
    public string QualifiedName => $"{Namespace}.{Name}";

    /// <summary>True when the table has <c>REPLICA IDENTITY FULL</c>, so updates and deletes carry the whole old row.</summary>
    public bool HasFullReplicaIdentity => ReplicaIdentity == ReplicaIdentity.Full;

    /// <summary>The position of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }
}

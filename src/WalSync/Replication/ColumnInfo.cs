namespace WalSync.Replication;

/// <summary>A published column of a relation, as PostgreSQL describes it in a Relation message.</summary>
/// <param name="Name">The column name.</param>
/// <param name="TypeOid">The OID of the column's type (<c>pg_type.oid</c>); a domain's OID, not its base type's.</param>
/// <param name="TypeModifier">The type modifier (<c>atttypmod</c>), -1 when none.</param>
/// <param name="IsKey">True when the column is part of the replica identity key (Relation message flag 1).</param>
internal sealed record ColumnInfo(string Name, uint TypeOid, int TypeModifier, bool IsKey);

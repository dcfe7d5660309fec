namespace WalSync.Replication;

/// <summary>A generated column of a table (<c>pg_attribute.attgenerated</c> set), published or not (<see cref="GeneratedColumns"/>).</summary>
/// <param name="Name">The column's name.</param>
/// <param name="TypeOid">Its type's OID.</param>
/// <param name="Stored">True for <c>STORED</c>, false for <c>VIRTUAL</c> (PostgreSQL 18+).</param>
internal sealed record GeneratedColumn(string Name, uint TypeOid, bool Stored);

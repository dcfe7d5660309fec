namespace WalSync.Mapping;

/// <summary>The parts of one <c>pg_type</c> row that decide how a value of the type is mapped.</summary>
/// <remarks>https://www.postgresql.org/docs/15/catalog-pg-type.html</remarks>
/// <param name="Oid">The type's OID (<c>pg_type.oid</c>).</param>
/// <param name="Namespace">The schema the type lives in (<c>pg_catalog</c> for built-in types).</param>
/// <param name="Name">The type name (<c>typname</c>), e.g. <c>int4</c>, <c>_text</c>, <c>citext</c>.</param>
/// <param name="Kind">What kind of type it is.</param>
/// <param name="ElementOid">For an <see cref="PgTypeKind.Array"/>, the element type's OID (<c>typelem</c>); otherwise 0.</param>
/// <param name="BaseTypeOid">For a <see cref="PgTypeKind.Domain"/>, the type it is based on (<c>typbasetype</c>); otherwise 0.</param>
/// <param name="Delimiter">The character that separates elements of this type in an array's text form (<c>typdelim</c>): ',' except for <c>box</c> (';').</param>
internal sealed record PgTypeInfo(uint Oid, string Namespace, string Name, PgTypeKind Kind, uint ElementOid, uint BaseTypeOid, char Delimiter);

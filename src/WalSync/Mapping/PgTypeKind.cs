namespace WalSync.Mapping;

/// <summary>What kind of type a <c>pg_type</c> row describes (<c>typtype</c>, with arrays told apart from other base types).</summary>
/// <remarks>https://www.postgresql.org/docs/15/catalog-pg-type.html</remarks>
internal enum PgTypeKind : byte
{
    /// <summary>A base type (<c>typtype = 'b'</c>) that is not an array.</summary>
    Base,

    /// <summary>An array type: a base type whose element type names it as its <c>typarray</c>.</summary>
    Array,

    /// <summary>A domain (<c>typtype = 'd'</c>); its values have the text form of <see cref="PgTypeInfo.BaseTypeOid"/>.</summary>
    Domain,

    /// <summary>An enum (<c>typtype = 'e'</c>); its text form is the label.</summary>
    Enum,

    /// <summary>A composite (row) type (<c>typtype = 'c'</c>).</summary>
    Composite,

    /// <summary>A range type (<c>typtype = 'r'</c>).</summary>
    Range,

    /// <summary>A multirange type (<c>typtype = 'm'</c>, PostgreSQL 14+).</summary>
    Multirange,

    /// <summary>A pseudo-type (<c>typtype = 'p'</c>); never the type of a column.</summary>
    Pseudo,
}

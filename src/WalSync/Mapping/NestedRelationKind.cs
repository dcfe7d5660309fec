namespace WalSync.Mapping;

/// <summary>How a nested table relates to its parent, as read from the foreign keys in the catalog.</summary>
internal enum NestedRelationKind : byte
{
    /// <summary>The parent references the nested table: the field is one object, left out when there is none.</summary>
    ManyToOne,

    /// <summary>The nested table references the parent: the field is an array of objects.</summary>
    OneToMany,

    /// <summary>A join table references both: the field is an array of objects of the nested table's rows.</summary>
    ManyToMany,

    /// <summary>Not a related table: the root row's own generated columns that the stream does not carry
    /// (<c>Tables[].ReadBackGeneratedColumns</c>), read back with the row and written as top-level fields.</summary>
    Generated,
}

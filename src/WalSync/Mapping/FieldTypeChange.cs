namespace WalSync.Mapping;

/// <summary>A field whose Typesense type differs between two versions of a relation (e.g. after ALTER COLUMN ... TYPE).</summary>
/// <param name="Name">The field name.</param>
/// <param name="OldType">The type in the collection now.</param>
/// <param name="NewType">The type the relation maps to now.</param>
internal sealed record FieldTypeChange(string Name, string OldType, string NewType)
{
    /// <summary>
    /// True when the collection can take the change in place (drop and re-add the field in one
    /// <c>PATCH /collections/:name</c>) and the documents it holds stay right: int32 → int64, and int32/int64 →
    /// float or string (also as arrays). Typesense converts the stored values when it alters a field
    /// (https://typesense.org/docs/29.0/api/collections.html#modifying-an-existing-field); other conversions fail or
    /// give values that differ from what PostgreSQL now holds (a bool becomes "true", not "t"), because PostgreSQL
    /// rewrites the table without sending the rewritten rows through logical replication.
    /// </summary>
    public bool CanAlterInPlace
    {
        get
        {
            var oldArray = OldType.EndsWith("[]", StringComparison.Ordinal);
            if (oldArray != NewType.EndsWith("[]", StringComparison.Ordinal))
            {
                return false;
            }
            var from = oldArray ? OldType[..^2] : OldType;
            var to = oldArray ? NewType[..^2] : NewType;
            return (from, to) is ("int32", "int64") or ("int32" or "int64", "float" or "string");
        }
    }

    /// <summary>A sentence for the log or an error saying what changed and, when the collection cannot take it, what to do.</summary>
    public string Describe(string collection) => CanAlterInPlace
        ? $"Field {Name} of collection {collection} changes type from {OldType} to {NewType}; the collection can be altered in place."
        : $"Field {Name} of collection {collection} changes type from {OldType} to {NewType}; the documents already in the collection "
          + $"hold {OldType} values that Typesense cannot convert to what the table now holds, so the collection must be rebuilt "
          + "from the table.";
}

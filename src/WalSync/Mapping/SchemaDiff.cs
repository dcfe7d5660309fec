using WalSync.Typesense;

namespace WalSync.Mapping;

/// <summary>What changed between the fields of two relation versions: fields added, dropped, and whose type changed.</summary>
internal sealed class SchemaDiff
{
    // The new versions of the fields in Changed.
    private readonly FieldSchema[] _changedFields;

    private SchemaDiff(FieldSchema[] added, FieldSchema[] dropped, FieldTypeChange[] changed, FieldSchema[] changedFields)
    {
        Added = added;
        Dropped = dropped;
        Changed = changed;
        _changedFields = changedFields;
    }

    /// <summary>Fields in the new list only.</summary>
    public IReadOnlyList<FieldSchema> Added { get; }

    /// <summary>Fields in the old list only.</summary>
    public IReadOnlyList<FieldSchema> Dropped { get; }

    /// <summary>Fields in both lists with different types (a change of <see cref="FieldSchema.Optional"/> alone is not reported).</summary>
    public IReadOnlyList<FieldTypeChange> Changed { get; }

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Added.Count == 0 && Dropped.Count == 0 && Changed.Count == 0;

    /// <summary>The type changes the collection cannot take in place (see <see cref="FieldTypeChange.CanAlterInPlace"/>).</summary>
    public IEnumerable<FieldTypeChange> Incompatible => Changed.Where(c => !c.CanAlterInPlace);

    /// <summary>Compares the fields of the collection (<paramref name="oldFields"/>) with those a new relation version maps to.</summary>
    /// <remarks>Names are compared exactly; a renamed column shows as one field dropped and one added.</remarks>
    public static SchemaDiff Compare(IReadOnlyList<FieldSchema> oldFields, IReadOnlyList<FieldSchema> newFields)
    {
        ArgumentNullException.ThrowIfNull(oldFields);
        ArgumentNullException.ThrowIfNull(newFields);
        var oldByName = oldFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var newNames = newFields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var added = newFields.Where(f => !oldByName.ContainsKey(f.Name)).ToArray();
        var dropped = oldFields.Where(f => !newNames.Contains(f.Name)).ToArray();
        var changedFields = newFields.Where(f => oldByName.TryGetValue(f.Name, out var old) && old.Type != f.Type).ToArray();
        var changed = changedFields.Select(f => new FieldTypeChange(f.Name, oldByName[f.Name].Type, f.Type)).ToArray();
        return new SchemaDiff(added, dropped, changed, changedFields);
    }

    /// <summary>
    /// The names to drop to apply this diff with <c>PATCH /collections/:name</c>: every dropped field, and every field
    /// whose type changed (Typesense applies the drops of one request first, so a drop and an add of one name change its type).
    /// </summary>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection</remarks>
    public IReadOnlyList<string> FieldsToDrop => [.. Dropped.Select(f => f.Name), .. Changed.Select(c => c.Name)];

    /// <summary>The fields to add to apply this diff: every added field, and the new version of every field whose type changed.</summary>
    public IReadOnlyList<FieldSchema> FieldsToAdd => [.. Added, .. _changedFields];
}

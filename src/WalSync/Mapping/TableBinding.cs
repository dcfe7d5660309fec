using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>A configured table and the collection it is kept equal to.</summary>
/// <param name="Source">The table as found in the catalog at start (key columns and types, row filter).</param>
/// <param name="Collection">The configured collection name: an alias over versioned physical collections.</param>
internal sealed record TableBinding(SourceTable Source, string Collection)
{
    /// <summary>The physical collections changes are written to now.</summary>
    public CollectionTargets Targets { get; } = new(Collection);

    /// <summary>The resolved <c>Nested</c> entries of the table; empty when it has none.</summary>
    public IReadOnlyList<NestedPlan> Nested { get; init; } = [];

    /// <summary>The relation version of the table's last change seen by the batcher (the catalog's until one comes): the
    /// layout roots are read back in when only their nested rows changed. Written and read by the batcher only.</summary>
    public RelationInfo? LastRelation { get; set; }

    /// <summary>The key values of <paramref name="row"/> in text form, in <see cref="SourceTable.KeyColumns"/> order, to
    /// read the row back or to record a dead letter.</summary>
    /// <param name="row">A row laid out as <paramref name="mapper"/>'s relation version.</param>
    /// <param name="mapper">The mapper of the row's relation version.</param>
    public string[] KeyOf(RowImage row, DocumentMapper mapper)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var keys = Source.KeyColumns;
        var values = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            values[i] = row.GetString(mapper.Relation.IndexOf(keys[i])) ?? "";
        }
        return values;
    }
}

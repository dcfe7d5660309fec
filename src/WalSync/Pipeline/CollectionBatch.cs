using WalSync.Mapping;

namespace WalSync.Pipeline;

/// <summary>
/// The changes of one batch for one collection: at most one <see cref="PendingChange"/> per document id, applied in
/// commit order by coalescing (the last state wins), and whether a TRUNCATE comes before them.
/// </summary>
internal sealed class CollectionBatch
{
    /// <summary>Creates an empty batch for <paramref name="table"/> with room for <paramref name="capacity"/> document changes.</summary>
    public CollectionBatch(TableBinding table, int capacity = 0)
    {
        Table = table;
        Changes = new(capacity, StringComparer.Ordinal);
    }

    /// <summary>The table and collection.</summary>
    public TableBinding Table { get; }

    /// <summary>True when the collection must be emptied before <see cref="Changes"/> are applied.</summary>
    public bool TruncateFirst { get; private set; }

    /// <summary>The net change per document id.</summary>
    public Dictionary<string, PendingChange> Changes { get; }

    /// <summary>Whole rows of a backfill chunk to upsert after <see cref="Changes"/>, without their document ids: no other
    /// change of the batch touches their documents (<see cref="AddBackfilled"/>). A chunk's rows are distinct, so they need
    /// no id to be coalesced; an id string and a dictionary entry a row were a quarter of what a backfill allocated.</summary>
    public List<PendingChange> Backfilled { get; } = [];

    /// <summary>Document changes in <see cref="Changes"/> and <see cref="Backfilled"/>.</summary>
    public int Count => Changes.Count + Backfilled.Count;

    /// <summary>Inserts read from the slot into this batch, before coalescing (rows of a snapshot copy are not counted).</summary>
    public int Inserts { get; private set; }

    /// <summary>Updates read from the slot into this batch, before coalescing.</summary>
    public int Updates { get; private set; }

    /// <summary>Deletes read from the slot into this batch, before coalescing.</summary>
    public int Deletes { get; private set; }

    /// <summary>Counts a change read from the slot (not from a snapshot copy) of kind <paramref name="kind"/>.</summary>
    public void CountReceived(Replication.ChangeKind kind)
    {
        switch (kind)
        {
            case Replication.ChangeKind.Insert: Inserts++; break;
            case Replication.ChangeKind.Update: Updates++; break;
            case Replication.ChangeKind.Delete: Deletes++; break;
        }
    }

    /// <summary>The newest mapper seen in this batch; the collection's schema is brought to its fields before writing.</summary>
    public DocumentMapper? LatestMapper { get; private set; }

    /// <summary>Records <paramref name="change"/> for <paramref name="id"/>, merging it with an earlier change to the same
    /// document: an update with unchanged TOAST columns takes their values from an earlier version in the batch, or,
    /// when the earlier change has none to give (a delete, another relation version), becomes a <see cref="DocumentOperation.Reload"/>.</summary>
    public void Apply(string id, PendingChange change)
    {
        if (Backfilled.Count > 0)
        {
            // The change is newer than the backfilled rows and may be to one of their documents: they take their ids now.
            foreach (var row in Backfilled)
            {
                Changes[row.Mapper.GetDocumentId(row.Row)] = row;
            }
            Backfilled.Clear();
        }
        LatestMapper = change.Mapper;
        if (change.Operation == DocumentOperation.PartialUpdate && Changes.TryGetValue(id, out var earlier))
        {
            change = Merge(earlier, change);
        }
        Changes[id] = change;
    }

    /// <summary>Records a row of a backfill chunk: an upsert of the whole document, or its delete when the row is
    /// soft-deleted. Only for a row whose document no change in <see cref="Changes"/> touches and that no other row added
    /// here shares (the caller checks): it then needs no document id until Typesense rejects it.</summary>
    /// <exception cref="InvalidOperationException">A key column of a soft-deleted row holds no value.</exception>
    public void AddBackfilled(Replication.RowImage row, DocumentMapper mapper)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        LatestMapper = mapper;
        if (mapper.IsSoftDeleted(row))
        {
            Changes[mapper.GetDocumentId(row)] = new PendingChange(DocumentOperation.Delete, default, mapper, NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid);
        }
        else
        {
            Backfilled.Add(new PendingChange(DocumentOperation.Upsert, row, mapper, NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid));
        }
    }

    // The earlier change replaces what Typesense holds, so the update cannot be merged into Typesense's document: it
    // takes the unchanged values from the earlier row, or the whole row is read back when the earlier row cannot give them.
    private static PendingChange Merge(PendingChange earlier, PendingChange change)
    {
        if (earlier.Operation is DocumentOperation.Delete or DocumentOperation.Reload
            || !ReferenceEquals(earlier.Mapper.Relation.Columns, change.Mapper.Relation.Columns))
        {
            return change with { Operation = DocumentOperation.Reload };
        }
        var merged = change.Row.FillUnchangedToastFrom(earlier.Row);
        // Merging into a whole earlier version gives a whole document; into a partial one, a larger partial one.
        var operation = merged.HasUnchangedToast ? DocumentOperation.PartialUpdate : DocumentOperation.Upsert;
        return change with { Operation = operation, Row = merged };
    }

    /// <summary>Changed rows of nested and join tables, in commit order: the roots above them are rebuilt.</summary>
    public List<RelatedChange> Related { get; } = [];

    /// <summary>True when a nested or join table was truncated: every root is rebuilt.</summary>
    public bool RelatedTruncated { get; private set; }

    /// <summary>The mapper roots are read back with when their nested rows changed: of the root table's latest relation version.</summary>
    public DocumentMapper? RelatedMapper { get; private set; }

    /// <summary>Records a change to a nested or join table of this collection's documents; <paramref name="mapper"/> is
    /// the root table's current mapper.</summary>
    public void AddRelated(RelatedChange change, DocumentMapper mapper)
    {
        RelatedMapper = mapper;
        if (!RelatedTruncated)
        {
            Related.Add(change);
        }
    }

    /// <summary>Records a TRUNCATE of a nested or join table: every root is rebuilt, which covers every related change.</summary>
    public void TruncateRelated(DocumentMapper mapper)
    {
        RelatedMapper = mapper;
        Related.Clear();
        RelatedTruncated = true;
    }

    /// <summary>Records a TRUNCATE: every earlier change of the batch is void, and the collection is emptied first.</summary>
    public void Truncate()
    {
        Changes.Clear();
        Backfilled.Clear();
        TruncateFirst = true;
    }
}

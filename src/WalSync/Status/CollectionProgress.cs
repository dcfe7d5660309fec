namespace WalSync.Status;

/// <summary>What went to one collection since this process started (<see cref="SyncStatus.Collections"/>).</summary>
public sealed class CollectionProgress
{
    /// <summary>The Typesense collection.</summary>
    public required string Collection { get; init; }

    /// <summary>The table it is kept equal to, as <c>schema.table</c>.</summary>
    public required string Table { get; init; }

    /// <summary>Inserts read from the slot (rows of a snapshot copy are counted in <see cref="BackfillProgress"/>).</summary>
    public long Inserts { get; init; }

    /// <summary>Updates read from the slot.</summary>
    public long Updates { get; init; }

    /// <summary>Deletes read from the slot.</summary>
    public long Deletes { get; init; }

    /// <summary>Documents Typesense accepted (upserted or updated).</summary>
    public long DocumentsWritten { get; init; }

    /// <summary>Documents deleted from Typesense.</summary>
    public long DocumentsDeleted { get; init; }

    /// <summary>Documents that went to the dead-letter store.</summary>
    public long DeadLetters { get; init; }
}

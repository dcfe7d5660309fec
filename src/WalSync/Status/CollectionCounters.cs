namespace WalSync.Status;

/// <summary>The live counters of one collection, incremented from the batcher's and the sink's threads
/// (<see cref="Interlocked"/>) and read by <see cref="SyncState.Snapshot"/>.</summary>
internal sealed class CollectionCounters
{
    /// <summary>Creates the counters of <paramref name="collection"/>.</summary>
    public CollectionCounters(string collection, string table)
    {
        Collection = collection;
        Table = table;
    }

    /// <summary>The collection.</summary>
    public string Collection { get; }

    /// <summary>Its table, as <c>schema.table</c>.</summary>
    public string Table { get; }

    /// <summary>Inserts read from the slot.</summary>
    public long Inserts;

    /// <summary>Updates read from the slot.</summary>
    public long Updates;

    /// <summary>Deletes read from the slot.</summary>
    public long Deletes;

    /// <summary>Documents written.</summary>
    public long Written;

    /// <summary>Documents deleted.</summary>
    public long Deleted;

    /// <summary>Documents dead-lettered.</summary>
    public long DeadLetters;

    /// <summary>Adds changes read from the slot.</summary>
    public void Received(int inserts, int updates, int deletes)
    {
        Interlocked.Add(ref Inserts, inserts);
        Interlocked.Add(ref Updates, updates);
        Interlocked.Add(ref Deletes, deletes);
    }

    /// <summary>A copy of the counters as they are now.</summary>
    public CollectionProgress ToProgress() => new()
    {
        Collection = Collection,
        Table = Table,
        Inserts = Interlocked.Read(ref Inserts),
        Updates = Interlocked.Read(ref Updates),
        Deletes = Interlocked.Read(ref Deletes),
        DocumentsWritten = Interlocked.Read(ref Written),
        DocumentsDeleted = Interlocked.Read(ref Deleted),
        DeadLetters = Interlocked.Read(ref DeadLetters),
    };
}

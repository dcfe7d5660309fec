namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// The documents of one collection by id. Document bytes are appended to large chunks that are never overwritten,
/// so a slice handed out stays valid after the document is replaced or deleted, and a million stored documents
/// cost the GC one string each instead of three objects (imports of that size otherwise spend most of their time in
/// GC). Chunks are rewritten when more than half of their bytes are dead. Not thread-safe: callers hold the
/// collection's gate.
/// </summary>
internal sealed class DocumentTable
{
    private const int FirstChunkBytes = 16 * 1024;
    private const int MaxChunkBytes = 4 * 1024 * 1024;
    private const long CompactAfterDeadBytes = 64L * 1024 * 1024;

    private readonly Dictionary<string, StoredDocument> _byId = new(StringComparer.Ordinal);
    private byte[] _chunk = new byte[FirstChunkBytes];
    private int _used;
    private long _liveBytes;
    private long _deadBytes;

    /// <summary>Number of documents.</summary>
    public int Count => _byId.Count;

    /// <summary>All documents, in no particular order.</summary>
    public IEnumerable<StoredDocument> All => _byId.Values;

    /// <summary>The document with this id, or null.</summary>
    public StoredDocument? Find(string id) => _byId.TryGetValue(id, out var document) ? document : null;

    /// <summary>Stores (or replaces) a document; copies <paramref name="json"/>.</summary>
    public StoredDocument Put(string id, long seqId, ReadOnlySpan<byte> json)
    {
        if (_byId.TryGetValue(id, out var old))
        {
            Forget(old);
        }

        var document = new StoredDocument(id, seqId, Append(json));
        _byId[id] = document;
        _liveBytes += json.Length;
        CompactIfMostlyDead();
        return document;
    }

    /// <summary>Removes a document; false when there is none with this id.</summary>
    public bool Remove(string id, out StoredDocument removed)
    {
        if (!_byId.Remove(id, out removed))
        {
            return false;
        }

        Forget(removed);
        return true;
    }

    /// <summary>Removes every document and returns them.</summary>
    public List<StoredDocument> RemoveAll()
    {
        var all = new List<StoredDocument>(_byId.Values);
        _byId.Clear();
        _chunk = new byte[FirstChunkBytes];
        _used = 0;
        _liveBytes = 0;
        _deadBytes = 0;
        return all;
    }

    private void Forget(StoredDocument document)
    {
        _liveBytes -= document.Json.Length;
        _deadBytes += document.Json.Length;
    }

    private ReadOnlyMemory<byte> Append(ReadOnlySpan<byte> json)
    {
        if (_used + json.Length > _chunk.Length)
        {
            var size = Math.Min(MaxChunkBytes, _chunk.Length * 2);
            _chunk = new byte[Math.Max(size, json.Length)];
            _used = 0;
        }

        json.CopyTo(_chunk.AsSpan(_used));
        var slice = new ReadOnlyMemory<byte>(_chunk, _used, json.Length);
        _used += json.Length;
        return slice;
    }

    // Backfills live documents into fresh chunks; old chunks stay valid for readers that hold slices of them.
    private void CompactIfMostlyDead()
    {
        if (_deadBytes < CompactAfterDeadBytes || _deadBytes < _liveBytes)
        {
            return;
        }

        var live = new List<StoredDocument>(_byId.Values);
        _chunk = new byte[MaxChunkBytes];
        _used = 0;
        foreach (var document in live)
        {
            _byId[document.Id] = document with { Json = Append(document.Json.Span) };
        }

        _deadBytes = 0;
    }
}

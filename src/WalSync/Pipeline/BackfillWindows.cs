using System.Collections.Concurrent;
using WalSync.Mapping;

namespace WalSync.Pipeline;

/// <summary>
/// The stream's side of the backfills' watermarks, kept by the batcher in stream order. Between a chunk's low and high
/// watermark it notes every document the stream changes in the chunk's table; at the high watermark it says which of
/// the chunk's rows to write: those the stream did not change meanwhile (the stream's change is newer), and not those
/// of a transaction the stream delivered before the low watermark but the chunk's snapshot could not see yet.
/// </summary>
/// <remarks>
/// DBLog (https://arxiv.org/abs/2010.12597). The second rule covers a race PostgreSQL allows: a commit is written to
/// the WAL before the transaction leaves the list of running ones, so a read just after the low watermark may miss a
/// transaction decoded before it. Transactions are remembered (by id, with their documents) only while a backfill runs
/// (a backfill first waits for those delivered before it began but still running: <see cref="DeliveredAmong"/>), at
/// most <see cref="RememberedDocuments"/> documents; a transaction with more than <see cref="DocumentsPerTransaction"/>
/// of one table is remembered as "all of it", and a chunk it hides is read again.
/// </remarks>
internal sealed class BackfillWindows
{
    /// <summary>How many documents of recent transactions are remembered in all.</summary>
    internal const int RememberedDocuments = 200_000;

    /// <summary>Above this many documents of one table, a transaction is remembered as touching the whole table.</summary>
    internal const int DocumentsPerTransaction = 10_000;

    /// <summary>How many of the stream's last transaction ids are kept, backfill or not (4 bytes each).</summary>
    internal const int CommittedIdsKept = 65_536;

    /// <summary>The stream's last transaction ids, a ring. Written by the batcher, read by the backfills.</summary>
    private readonly uint[] _committed = new uint[CommittedIdsKept];
    private readonly Lock _committedLock = new();
    private long _committedCount;

    /// <summary>Chunks registered by backfills, by id. Written by the backfills, read by the batcher.</summary>
    private readonly ConcurrentDictionary<string, BackfillChunk> _chunks = new(StringComparer.Ordinal);

    /// <summary>Open windows by chunk id. Batcher only.</summary>
    private readonly Dictionary<string, Window> _open = new(StringComparer.Ordinal);

    /// <summary>Documents of the transaction being read, per table. Batcher only.</summary>
    private readonly Dictionary<TableBinding, HashSet<string>?> _current = [];

    /// <summary>Recent transactions, oldest first. Batcher only.</summary>
    private readonly Queue<(uint Xid, TableBinding Table, HashSet<string>? Documents)> _recent = new();

    private int _remembered;

    /// <summary>Backfills running now; while none runs, nothing is remembered. Written by the backfills.</summary>
    private int _running;

    /// <summary>Identifies this run's watermarks: those of an earlier run (sent again after a reconnect) are ignored.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>True while a backfill runs or a window is open: the batcher then reports changes here. Batcher only.</summary>
    public bool Active => Volatile.Read(ref _running) > 0 || _open.Count > 0;

    /// <summary>A backfill starts; transactions are remembered from now on.</summary>
    public void BackfillStarted() => Interlocked.Increment(ref _running);

    /// <summary>A backfill ended.</summary>
    public void BackfillEnded() => Interlocked.Decrement(ref _running);

    /// <summary>Makes <paramref name="chunk"/> known before its low watermark is written.</summary>
    public void Register(BackfillChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _chunks[chunk.Id] = chunk;
    }

    /// <summary>Forgets <paramref name="chunk"/> (flushed, or abandoned).</summary>
    public void Forget(BackfillChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _chunks.TryRemove(chunk.Id, out _);
    }

    /// <summary>The stream changed document <paramref name="id"/> of <paramref name="table"/>.</summary>
    public void OnDocumentChanged(TableBinding table, string id)
    {
        foreach (var window in _open.Values)
        {
            if (window.Chunk.Table == table)
            {
                window.Changed.Add(id);
            }
        }
        if (!_current.TryGetValue(table, out var documents))
        {
            _current[table] = documents = new HashSet<string>(StringComparer.Ordinal);
        }
        if (documents is not null && documents.Add(id) && documents.Count > DocumentsPerTransaction)
        {
            _current[table] = null;
        }
    }

    /// <summary>The stream truncated <paramref name="table"/>: every open window's rows of it are older than that.</summary>
    public void OnTruncated(TableBinding table)
    {
        foreach (var window in _open.Values.Where(w => w.Chunk.Table == table))
        {
            window.Truncated = true;
        }
    }

    /// <summary>The transaction <paramref name="xid"/> committed: its id is kept and, while a backfill runs, its documents
    /// are remembered. Windows of scans that were given up are closed.</summary>
    public void OnCommit(uint xid)
    {
        lock (_committedLock)
        {
            _committed[_committedCount++ % CommittedIdsKept] = xid;
        }
        foreach (var (table, documents) in _current)
        {
            _recent.Enqueue((xid, table, documents));
            _remembered += documents?.Count ?? DocumentsPerTransaction;
        }
        _current.Clear();
        foreach (var (id, window) in _open)
        {
            if (window.Chunk.WindowAbandoned)
            {
                _open.Remove(id);
            }
        }
        while (_remembered > RememberedDocuments && _recent.TryDequeue(out var oldest))
        {
            _remembered -= oldest.Documents?.Count ?? DocumentsPerTransaction;
        }
    }

    /// <summary>Which of <paramref name="xids"/> the stream delivered among its last <see cref="CommittedIdsKept"/>
    /// transactions.</summary>
    public List<uint> DeliveredAmong(IEnumerable<uint> xids)
    {
        HashSet<uint> delivered;
        lock (_committedLock)
        {
            delivered = [.. _committed.AsSpan(0, (int)Math.Min(_committedCount, CommittedIdsKept))];
        }
        return [.. xids.Where(delivered.Contains)];
    }

    /// <summary>Handles a watermark: a low one opens its chunk's window; a high one closes it (unless more chunks of the
    /// same sequential scan follow, <see cref="BackfillChunk.ClosesWindow"/>) and returns the chunk with the verdict on its
    /// rows: which document ids to write, null when all of them. Null for a watermark of another run or an unknown chunk.</summary>
    /// <remarks>The verdict is to be applied at once: the window of a scan goes on noting the stream's changes.</remarks>
    public (BackfillChunk Chunk, Func<string, bool>? Keep, bool ReadAgain)? OnWatermark(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var end = content.LastIndexOf(':');
        if (end < 0 || !content.StartsWith(RunId + ":", StringComparison.Ordinal) || !_chunks.TryGetValue(content[..end], out var chunk))
        {
            return null;
        }
        if (content[(end + 1)..] == "L")
        {
            _open[chunk.Id] = new Window(chunk);
            return null;
        }
        if (!_open.TryGetValue(chunk.WindowId, out var window))
        {
            return null;
        }
        if (chunk.ClosesWindow)
        {
            _open.Remove(chunk.WindowId);
        }
        // Documents of transactions the stream delivered but the chunk's snapshot did not see: the stream's version is newer.
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        var readAgain = false;
        foreach (var recent in _recent.Where(r => r.Table == chunk.Table && chunk.Snapshot?.Hides(r.Xid) == true))
        {
            if (recent.Documents is null)
            {
                readAgain = true;
            }
            else
            {
                hidden.UnionWith(recent.Documents);
            }
        }
        if (window.Truncated)
        {
            return (chunk, _ => false, readAgain);
        }
        return window.Changed.Count == 0 && hidden.Count == 0 ? (chunk, null, readAgain)
            : (chunk, id => !window.Changed.Contains(id) && !hidden.Contains(id), readAgain);
    }

    private sealed class Window(BackfillChunk chunk)
    {
        public BackfillChunk Chunk { get; } = chunk;

        public HashSet<string> Changed { get; } = new(StringComparer.Ordinal);

        public bool Truncated { get; set; }
    }
}

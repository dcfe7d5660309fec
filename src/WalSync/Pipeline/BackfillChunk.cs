using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>
/// One chunk of a backfill between its watermarks: the rows read from the table, and what the stream did meanwhile.
/// The backfill registers it before writing its low watermark and fills <see cref="Rows"/> before writing the high one;
/// the batcher reconciles it with the stream at the high watermark (<see cref="BackfillWindows"/>).
/// </summary>
/// <remarks>The watermark method of Netflix's DBLog (https://arxiv.org/abs/2010.12597).</remarks>
internal sealed class BackfillChunk
{
    /// <summary>Creates the chunk <paramref name="id"/> of <paramref name="table"/>, reconciled in its own window, or in
    /// the window of chunk <paramref name="windowId"/> (an earlier chunk of the same sequential scan).</summary>
    public BackfillChunk(string id, TableBinding table, string? windowId = null)
    {
        Id = id;
        Table = table;
        WindowId = windowId ?? id;
    }

    /// <summary>Unique within the run: <c>run:sequence</c>; the watermarks carry it.</summary>
    public string Id { get; }

    /// <summary>The chunk whose low watermark opened the window this chunk's rows are reconciled in: the chunk itself, or
    /// the first chunk of the sequential scan it belongs to (every chunk of a scan was read in the scan's one snapshot,
    /// taken after that low watermark).</summary>
    public string WindowId { get; }

    /// <summary>False for a chunk of a sequential scan that more chunks follow: its high watermark writes its rows and
    /// leaves the window open for them. True otherwise.</summary>
    public bool ClosesWindow { get; set; } = true;

    /// <summary>Set on a scan's first chunk when the scan ended without a chunk that closes its window (it failed, or was
    /// given up to be read again): the batcher then closes the window. Written by the backfill, read by the batcher.</summary>
    public bool WindowAbandoned
    {
        get => Volatile.Read(ref _windowAbandoned);
        set => Volatile.Write(ref _windowAbandoned, value);
    }

    private bool _windowAbandoned;

    /// <summary>The table the rows belong to.</summary>
    public TableBinding Table { get; }

    /// <summary>The relation version the rows are laid out in; set with <see cref="Rows"/>.</summary>
    public RelationInfo? Relation { get; set; }

    /// <summary>Where the rows are packed (null: each row in its own array); reset once the chunk is flushed.</summary>
    public RowImageArena? Arena { get; set; }

    /// <summary>The rows read, in key order; set before the high watermark is written.</summary>
    public IReadOnlyList<RowImage> Rows { get; set; } = [];

    /// <summary>The snapshot the rows were read in: a transaction it hides was not in the read, even if the stream
    /// delivered it before the low watermark.</summary>
    public PgSnapshot? Snapshot { get; set; }

    /// <summary>Rows of the chunk written at its high watermark (the others were changed by the stream meanwhile).</summary>
    public int RowsWritten { get; set; }

    /// <summary>True when the stream delivered, before the low watermark, a transaction the chunk's snapshot did not see
    /// and that touched too many documents to remember: the rows were not written, and the chunk is read again.</summary>
    public bool ReadAgain { get; set; }

    /// <summary>Completes when the batch holding the chunk's rows is flushed; faults when the pipeline stops first.</summary>
    public TaskCompletionSource Flushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

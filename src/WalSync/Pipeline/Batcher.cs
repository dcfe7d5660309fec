using System.Threading.Channels;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>
/// Drains the change channel into <see cref="Batch"/>es: a batch is cut when it holds <c>MaxRows</c> row changes or
/// <c>FlushInterval</c> has passed since its first event, whichever comes first, and as soon as a backfill chunk's window closes.
/// Changes to one document are coalesced in commit order (<see cref="CollectionBatch.Apply"/>). A batch records the end
/// LSN of the last transaction it completes; what may be acknowledged is decided by the <see cref="Checkpointer"/>.
/// </summary>
internal sealed class Batcher
{
    /// <summary>How long an open batch waits for more changes before it looks at the channel again.</summary>
    internal static readonly TimeSpan GatherInterval = TimeSpan.FromMilliseconds(2);

    private readonly BatchOptions _options;
    private readonly TableRegistry _tables;
    private readonly TimeProvider _time;
    private readonly BackfillWindows? _windows;

    /// <summary>Each collection's document changes in the last batch that had any, to size the next batch's.</summary>
    private readonly Dictionary<string, int> _expectedChanges = new(StringComparer.Ordinal);

    // The relation of the last row change and what it resolved to. Consecutive changes nearly always share one, and a
    // RelationInfo is immutable (a new Relation message makes a new instance), so the reference names the version.
    private RelationInfo? _lastRelation;
    private TableBinding? _lastTable;
    private DocumentMapper? _lastMapper;
    private IReadOnlyList<RelatedLink>? _lastRelated;

    /// <summary>Creates a batcher.</summary>
    /// <param name="options">When to cut a batch.</param>
    /// <param name="tables">The configured tables and their mappers.</param>
    /// <param name="time">The clock of the flush interval; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="windows">The backfills' watermark windows, or null when nothing is backfilled.</param>
    public Batcher(BatchOptions options, TableRegistry tables, TimeProvider? time = null, BackfillWindows? windows = null)
    {
        _options = options;
        _tables = tables;
        _time = time ?? TimeProvider.System;
        _windows = windows;
    }

    /// <summary>
    /// Reads <paramref name="input"/> until it completes, writing batches to <paramref name="output"/>; the last, partial
    /// batch is written too, then <paramref name="output"/> is completed (with the input's error, if any).
    /// </summary>
    public async Task RunAsync(ChannelReader<ChangeEvent> input, ChannelWriter<Batch> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var batch = new Batch(_expectedChanges);
            var startedAt = 0L;
            var eventsInBatch = 0;
            while (true)
            {
                var flushNow = false;
                while (!flushNow && batch.Rows < _options.MaxRows && input.TryRead(out var change))
                {
                    if (eventsInBatch++ == 0)
                    {
                        startedAt = _time.GetTimestamp();
                    }
                    await AddAsync(batch, change, cancellationToken);
                    // A backfill waits for its chunk: the batch holding the rows goes at once, not at the interval.
                    flushNow = batch.Chunks.Count > 0;
                }
                // A full batch takes a Commit that is already waiting, so its transaction completes with this flush
                // instead of with the next batch, which may be an interval away.
                while (batch.Rows >= _options.MaxRows && input.TryPeek(out var next) && next.Kind == ChangeKind.Commit && input.TryRead(out var commit))
                {
                    await AddAsync(batch, commit, cancellationToken);
                    eventsInBatch++;
                }
                var hasEvents = eventsInBatch > 0;
                var remaining = _options.FlushInterval - _time.GetElapsedTime(startedAt);
                if (hasEvents && (flushNow || batch.Rows >= _options.MaxRows || remaining <= TimeSpan.Zero))
                {
                    Remember(batch);
                    await output.WriteAsync(batch, cancellationToken);
                    batch = new Batch(_expectedChanges);
                    eventsInBatch = 0;
                    continue;
                }
                if (!hasEvents)
                {
                    if (!await input.WaitToReadAsync(cancellationToken))
                    {
                        break;
                    }
                    continue;
                }
                if (input.Completion.IsCompleted)
                {
                    // Drained and completed: a failed input fails the run without writing the partial batch.
                    await input.Completion;
                    break;
                }
                // A batch is open and not due: let changes gather instead of waking up for each one, which costs more
                // than folding the change in. The flush is late by at most one gathering interval.
                await Task.Delay(remaining < GatherInterval ? remaining : GatherInterval, _time, cancellationToken);
            }
            if (eventsInBatch > 0)
            {
                await output.WriteAsync(batch, cancellationToken);
            }
            await input.Completion;
            output.TryComplete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            throw;
        }
    }

    // Read before the batch is handed on: from then on it belongs to the flusher.
    private void Remember(Batch batch)
    {
        foreach (var (collection, changes) in batch.Collections)
        {
            _expectedChanges[collection] = changes.Changes.Count;
        }
    }

    /// <summary>Folds one change into <paramref name="batch"/>.</summary>
    internal ValueTask AddAsync(Batch batch, ChangeEvent change, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ChangeKind.Commit:
                batch.TransactionEndLsn = change.TransactionEndLsn;
                batch.CommitTimes.Add(change.CommitTimestamp);
                _windows?.OnCommit(change.TransactionId);
                return default;
            case ChangeKind.Truncate:
                foreach (var relation in change.TruncatedRelations ?? [])
                {
                    if (_tables.Find(relation) is { } truncated)
                    {
                        batch.For(truncated).Truncate();
                        _windows?.OnTruncated(truncated);
                    }
                }
                return _tables.FindRelated(change.TruncatedRelations ?? []) is { Count: > 0 } links ? TruncateRelatedAsync(batch, links, cancellationToken) : default;
            case ChangeKind.Watermark:
                return _windows?.OnWatermark(change.Watermark!) is { } closed ? AddChunkAsync(batch, closed, cancellationToken) : default;
        }
        batch.Rows++;
        if (change.Relation is not { } rel)
        {
            return default;
        }
        if (ReferenceEquals(rel, _lastRelation))
        {
            if (_lastTable is not null)
            {
                Apply(batch.For(_lastTable), change, _lastMapper!, ActiveWindows);
            }
            else if (_lastRelated is not null)
            {
                return AddRelatedAsync(batch, change, _lastRelated, cancellationToken);
            }
            return default;
        }
        return ResolveAndAddAsync(batch, change, rel, cancellationToken);
    }

    private async ValueTask ResolveAndAddAsync(Batch batch, ChangeEvent change, RelationInfo rel, CancellationToken cancellationToken)
    {
        var table = _tables.Find(rel);
        var mapper = table is null ? null : await _tables.GetMapperAsync(table, rel, cancellationToken);
        (_lastRelation, _lastTable, _lastMapper) = (rel, table, mapper);
        _lastRelated = table is null ? _tables.FindRelated(rel) : null;
        if (table is not null)
        {
            table.LastRelation = rel;
            Apply(batch.For(table), change, mapper!, ActiveWindows);
        }
        else if (_lastRelated is not null)
        {
            await AddRelatedAsync(batch, change, _lastRelated, cancellationToken);
        }
    }

    /// <summary>Records a change to a nested or join table with every root collection whose documents hold its rows.</summary>
    private async ValueTask AddRelatedAsync(Batch batch, ChangeEvent change, IReadOnlyList<RelatedLink> links, CancellationToken cancellationToken)
    {
        foreach (var link in links)
        {
            batch.For(link.Root).AddRelated(new RelatedChange(link, change.Relation!, change.OldRow,
                change.Kind == ChangeKind.Delete ? default : change.NewRow), await RootMapperAsync(link.Root, cancellationToken));
        }
    }

    /// <summary>Records a TRUNCATE of nested or join tables: every root above them is rebuilt.</summary>
    private async ValueTask TruncateRelatedAsync(Batch batch, IReadOnlyList<RelatedLink> links, CancellationToken cancellationToken)
    {
        foreach (var link in links)
        {
            batch.For(link.Root).TruncateRelated(await RootMapperAsync(link.Root, cancellationToken));
        }
    }

    private ValueTask<DocumentMapper> RootMapperAsync(TableBinding root, CancellationToken cancellationToken) =>
        _tables.GetMapperAsync(root, root.LastRelation ?? root.Source.Relation, cancellationToken);

    /// <summary>The windows to report changes to while a backfill runs; null otherwise, so streaming alone pays nothing.</summary>
    private BackfillWindows? ActiveWindows => _windows is { Active: true } ? _windows : null;

    /// <summary>Writes a chunk's rows at its high watermark: those the stream left alone since the low one.</summary>
    private async ValueTask AddChunkAsync(Batch batch, (BackfillChunk Chunk, Func<string, bool>? Keep, bool ReadAgain) closed, CancellationToken cancellationToken)
    {
        var (chunk, keep, readAgain) = closed;
        batch.Chunks.Add(chunk);
        if (readAgain || chunk.Relation is null)
        {
            chunk.ReadAgain = true;
            return;
        }
        var mapper = await _tables.GetMapperAsync(chunk.Table, chunk.Relation, cancellationToken);
        var target = batch.For(chunk.Table);
        // A row read by a query is whole (no unchanged TOAST) and has no older image: an upsert, or a soft delete.
        if (keep is null && target.Count == 0 && chunk.Table.Nested.Count == 0)
        {
            // The stream changed none of the chunk's documents and the batch holds no other change of the collection:
            // every row is written, and none needs its id to be told apart.
            target.Backfilled.EnsureCapacity(target.Backfilled.Count + chunk.Rows.Count);
            foreach (var row in chunk.Rows)
            {
                target.AddBackfilled(row, mapper);
            }
            chunk.RowsWritten = chunk.Rows.Count;
        }
        else
        {
            target.Changes.EnsureCapacity(target.Changes.Count + chunk.Rows.Count);
            foreach (var row in chunk.Rows)
            {
                var id = mapper.GetDocumentId(row);
                if (keep?.Invoke(id) ?? true)
                {
                    var operation = mapper.IsSoftDeleted(row) ? DocumentOperation.Delete : DocumentOperation.Upsert;
                    target.Apply(id, new PendingChange(operation, operation == DocumentOperation.Delete ? default : row, mapper, NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid));
                    chunk.RowsWritten++;
                }
            }
        }
        batch.Rows += chunk.RowsWritten;
    }

    private static void Apply(CollectionBatch target, ChangeEvent change, DocumentMapper mapper, BackfillWindows? windows)
    {
        if (change.Lsn != NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid)
        {
            target.CountReceived(change.Kind);
        }
        if (change.Kind == ChangeKind.Delete)
        {
            var deleted = mapper.GetDocumentId(change.OldRow);
            windows?.OnDocumentChanged(target.Table, deleted);
            target.Apply(deleted, new PendingChange(DocumentOperation.Delete, default, mapper, change.Lsn));
            return;
        }
        var row = change.OldRow.IsEmpty ? change.NewRow : change.NewRow.FillUnchangedToastFrom(change.OldRow);
        var id = mapper.GetDocumentId(row);
        windows?.OnDocumentChanged(target.Table, id);
        if (!change.OldRow.IsEmpty)
        {
            var oldId = mapper.GetDocumentId(change.OldRow);
            if (oldId != id)
            {
                // The primary key changed: the old document goes, the row lives on under its new id.
                windows?.OnDocumentChanged(target.Table, oldId);
                target.Apply(oldId, new PendingChange(DocumentOperation.Delete, default, mapper, change.Lsn));
            }
        }
        // An insert's row can leave a TOASTed value out too: with a row filter, pgoutput sends an update that moves a row
        // into the filter as an insert of the new row, unchanged values and all ('u' without an old row to fill them from).
        var operation = mapper.IsSoftDeleted(row) ? DocumentOperation.Delete
            : row.HasUnchangedToast ? DocumentOperation.PartialUpdate
            : DocumentOperation.Upsert;
        target.Apply(id, new PendingChange(operation, operation == DocumentOperation.Delete ? default : row, mapper, change.Lsn));
    }
}

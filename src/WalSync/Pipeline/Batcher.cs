using System.Threading.Channels;
using WalSync.Configuration;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>
/// Drains the change channel into <see cref="Batch"/>es: a batch is cut when it holds <c>MaxRows</c> row changes or
/// <c>FlushInterval</c> has passed since its first event, whichever comes first. Changes to one document are
/// coalesced in commit order.
/// </summary>
public sealed class Batcher
{
    private readonly BatchOptions _options;
    private readonly TableRegistry _tables;
    private readonly TimeProvider _time;

    /// <summary>Creates a batcher.</summary>
    public Batcher(BatchOptions options, TableRegistry tables, TimeProvider? time = null)
    {
        _options = options;
        _tables = tables;
        _time = time ?? TimeProvider.System;
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
            long consumed = 0;
            var batch = new Batch();
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
                    flushNow = change.Kind == ChangeKind.SnapshotEnd;
                    await AddAsync(batch, change, cancellationToken);
                    batch.EventsThrough = ++consumed;
                }
                // A batch cut at MaxRows takes the commit that follows it, so the transaction is acknowledged with its rows.
                while (batch.Rows >= _options.MaxRows && input.TryPeek(out var next) && next.Kind == ChangeKind.Commit && input.TryRead(out var commit))
                {
                    await AddAsync(batch, commit, cancellationToken);
                    batch.EventsThrough = ++consumed;
                    eventsInBatch++;
                }
                var hasEvents = eventsInBatch > 0;
                var remaining = _options.FlushInterval - _time.GetElapsedTime(startedAt);
                if (hasEvents && (flushNow || batch.Rows >= _options.MaxRows || remaining <= TimeSpan.Zero))
                {
                    await output.WriteAsync(batch, cancellationToken);
                    batch = new Batch();
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
                using var deadline = new CancellationTokenSource(remaining, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
                try
                {
                    if (!await input.WaitToReadAsync(linked.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The flush interval passed: the loop cuts the batch.
                }
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

    /// <summary>Folds one change into <paramref name="batch"/>.</summary>
    internal async ValueTask AddAsync(Batch batch, ChangeEvent change, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ChangeKind.Commit:
                batch.CommitLsn = change.Lsn;
                return;
            case ChangeKind.SnapshotEnd:
                return;
            case ChangeKind.Truncate:
                foreach (var relation in change.TruncatedRelations ?? [])
                {
                    if (_tables.Find(relation) is { } truncated)
                    {
                        batch.For(truncated).Truncate();
                    }
                }
                return;
        }
        batch.Rows++;
        if (change.Relation is not { } rel || _tables.Find(rel) is not { } table)
        {
            return;
        }
        var mapper = await _tables.GetMapperAsync(table, rel, cancellationToken);
        var target = batch.For(table);
        if (change.Kind == ChangeKind.Delete)
        {
            target.Apply(mapper.GetDocumentId(change.OldRow), new PendingChange(DocumentOperation.Delete, default, mapper, change.Lsn));
            return;
        }
        var row = change.OldRow.IsEmpty ? change.NewRow : change.NewRow.FillUnchangedToastFrom(change.OldRow);
        var id = mapper.GetDocumentId(row);
        if (!change.OldRow.IsEmpty)
        {
            var oldId = mapper.GetDocumentId(change.OldRow);
            if (oldId != id)
            {
                // The primary key changed: the old document goes, the row lives on under its new id.
                target.Apply(oldId, new PendingChange(DocumentOperation.Delete, default, mapper, change.Lsn));
            }
        }
        var operation = mapper.IsSoftDeleted(row) ? DocumentOperation.Delete
            : row.HasUnchangedToast ? DocumentOperation.PartialUpdate
            : DocumentOperation.Upsert;
        target.Apply(id, new PendingChange(operation, operation == DocumentOperation.Delete ? default : row, mapper, change.Lsn));
    }
}

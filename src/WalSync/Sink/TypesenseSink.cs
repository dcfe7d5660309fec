using System.Buffers;
using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Status;
using WalSync.Telemetry;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Writes a <see cref="Batch"/>'s changes to Typesense, one collection at a time, the truncate first, then one import of whole documents
/// (<c>action=upsert</c>), one import of partial documents (<c>action=update</c>), whole rows read back from PostgreSQL
/// for the updates that found no document or cannot be partial (<see cref="DocumentOperation.Reload"/>), and the
/// deletes; the <see cref="BatchFlusher"/> decides which collections are written at once. A document Typesense rejects for
/// its content goes to the dead-letter store; every other failure throws (the client has already retried what is
/// transient), so nothing of the batch is acknowledged.
/// </summary>
internal sealed partial class TypesenseSink : IBatchSink
{
    private readonly TypesenseClient _client;
    private readonly DocumentImporter _importer;
    private readonly CollectionSchemaSync _schemas;
    private readonly IDeadLetterStore _deadLetters;
    private readonly NpgsqlDataSource _source;
    private readonly ILogger _logger;
    private readonly SyncState? _state;
    private readonly Func<TableBinding, bool>? _rebuild;

    /// <summary>Upsert bodies rendered by <see cref="Prepare"/>, until the batch's flush takes them (or the batch is collected).</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CollectionBatch, RenderedImport> _prepared = [];

    /// <summary>Versions that cannot follow their table and are left as they are until a rebuild replaces them. Guarded by itself.</summary>
    private readonly HashSet<string> _frozen = new(StringComparer.Ordinal);

    /// <summary>Creates the sink.</summary>
    /// <param name="client">The Typesense client (it retries transient failures).</param>
    /// <param name="schemas">Keeps collection schemas in step with their tables.</param>
    /// <param name="deadLetters">Where rejected documents go.</param>
    /// <param name="source">The source database, to read back rows whose partial update found no document.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="rebuild">Called when a table's only collection cannot follow a schema change: true when a rebuild was
    /// asked for (the changes are then left to it), false to stop. Null stops.</param>
    /// <param name="state">Receives the documents written, deleted and dead-lettered per collection; none when null.</param>
    public TypesenseSink(TypesenseClient client, CollectionSchemaSync schemas, IDeadLetterStore deadLetters, NpgsqlDataSource source, ILogger logger,
        Func<TableBinding, bool>? rebuild = null, SyncState? state = null)
    {
        _rebuild = rebuild;
        _state = state;
        _client = client;
        _importer = new DocumentImporter(client);
        _schemas = schemas;
        _deadLetters = deadLetters;
        _source = source;
        _logger = logger;
    }

    /// <summary>Writes one table's changes to each of its collections (two while a rebuild fills a new version); only the
    /// last one's rejections become dead letters and only its documents are counted, so nothing counts twice. Returns
    /// when all of it is in Typesense or in the dead-letter store.</summary>
    /// <returns>The bytes imported.</returns>
    /// <exception cref="TypesenseException">A Typesense error that is not about one document (bad API key, missing
    /// collection, retries exhausted).</exception>
    /// <exception cref="SchemaChangeException">A collection's schema could not follow its table.</exception>
    public async Task<long> FlushAsync(CollectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var targets = batch.Table.Targets;
        using var upserts = _prepared.TryGetValue(batch, out var prepared) && _prepared.Remove(batch) ? prepared : null;
        await targets.Gate.WaitAsync(cancellationToken);
        long bytes = 0;
        try
        {
            var names = targets.Names;
            for (var i = 0; i < names.Count; i++)
            {
                try
                {
                    bytes += await FlushCollectionAsync(batch, names[i], last: i == names.Count - 1, upserts, cancellationToken);
                }
                catch (SchemaChangeException e) when (i < names.Count - 1 || _rebuild?.Invoke(batch.Table) == true)
                {
                    // The version cannot take the new column type: it keeps serving what it has, and the version being
                    // filled from the table (now, or once the rebuild asked for starts) carries the change.
                    bool first;
                    lock (_frozen)
                    {
                        first = _frozen.Add(names[i]);
                    }
                    if (first)
                    {
                        SinkLog.VersionFrozen(_logger, names[i], e.Message);
                    }
                }
            }
        }
        finally
        {
            targets.Gate.Release();
        }
        return bytes;
    }

    /// <summary>Renders the whole documents of <paramref name="batch"/> into their import body now, for its flush to send
    /// (an earlier batch of the collection is still being written). Not for a table with nested entries, whose documents
    /// are read back at the flush, nor for a batch that truncates first.</summary>
    public void Prepare(CollectionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Table.Nested.Count > 0 || batch.TruncateFirst)
        {
            return;
        }
        var documents = ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Rent(Math.Max(1, batch.Count));
        try
        {
            var upserts = Split(batch, documents, null, null).Upserts;
            if (upserts > 0)
            {
                _prepared.AddOrUpdate(batch, RenderedImport.Render(new(documents, 0, upserts), partial: false));
            }
        }
        finally
        {
            ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Return(documents, clearArray: true);
        }
    }

    /// <summary>Sorts <paramref name="batch"/>'s changes: whole documents to the front of <paramref name="documents"/>, partial
    /// updates to its back, deletes and rows to read back to their lists (not kept when null). Always the same order for a batch.</summary>
    private static (int Upserts, int Partials) Split(CollectionBatch batch, KeyValuePair<string, PendingChange>[] documents, List<string>? deletes,
        List<KeyValuePair<string, PendingChange>>? reload)
    {
        var (upserts, partials) = (0, 0);
        foreach (var change in batch.Changes)
        {
            switch (change.Value.Operation)
            {
                case DocumentOperation.Delete: deletes?.Add(change.Key); break;
                case var _ when batch.Table.Nested.Count > 0: reload?.Add(change); break;
                case DocumentOperation.Upsert: documents[upserts++] = change; break;
                case DocumentOperation.PartialUpdate when change.Value.Mapper.CanUpdatePartially(change.Value.Row):
                    documents[documents.Length - ++partials] = change;
                    break;
                default: reload?.Add(change); break;
            }
        }
        // Backfilled rows come after the changes (they never share a document with them); their ids are left empty
        // until one is needed (ToDeadLetter).
        foreach (var row in batch.Backfilled)
        {
            documents[upserts++] = new(string.Empty, row);
        }
        return (upserts, partials);
    }

    // upserts: the whole documents' body, rendered ahead by Prepare, or null to render them now.
    private async Task<long> FlushCollectionAsync(CollectionBatch batch, string collection, bool last, RenderedImport? upserts, CancellationToken cancellationToken)
    {
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.flush.collection");
        activity?.SetTag("walsync.collection", collection);
        activity?.SetTag("walsync.rows", batch.Count);
        var counters = last ? _state?.Collection(batch.Table.Collection, batch.Table.Source.Relation.QualifiedName) : null;
        var collectionTag = new KeyValuePair<string, object?>("collection", batch.Table.Collection);
        long bytes;
        if ((batch.LatestMapper ?? batch.RelatedMapper) is { } latest)
        {
            await _schemas.EnsureAsync(collection, latest, cancellationToken);
        }
        if (batch.TruncateFirst)
        {
            await _client.TruncateAsync(collection, cancellationToken);
        }
        var deadLetters = new List<DeadLetter>();
        var deletes = new List<string>();
        // Upserts fill the front of the rented array, partial updates the back; rows to read back go to their own list.
        var documents = ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Rent(Math.Max(1, batch.Count));
        var reload = new List<KeyValuePair<string, PendingChange>>();
        try
        {
            var (wholes, partials) = Split(batch, documents, deletes, reload);
            if (batch.Table.Nested.Count > 0)
            {
                bytes = await FlushNestedAsync(batch, collection, reload, deadLetters, counters, cancellationToken);
                reload.Clear();
            }
            else
            {
                bytes = 0;
            }
            bytes += await ImportAsync(batch.Table, collection, new(documents, 0, wholes), ImportAction.Upsert, deadLetters, null, counters, cancellationToken, upserts);
            bytes += await ImportAsync(batch.Table, collection, new(documents, documents.Length - partials, partials), ImportAction.Update, deadLetters, reload, counters, cancellationToken);
            var found = await ReadBackAsync(batch.Table, reload, cancellationToken);
            bytes += await ImportAsync(batch.Table, collection, new(found), ImportAction.Upsert, deadLetters, null, counters, cancellationToken);
            activity?.SetTag("walsync.bytes", bytes);
        }
        finally
        {
            ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Return(documents, clearArray: true);
        }
        if (deletes.Count > 0)
        {
            using (var deleteSpan = WalSyncTelemetry.ActivitySource.StartActivity("walsync.delete"))
            {
                deleteSpan?.SetTag("db.system", "typesense");
                deleteSpan?.SetTag("db.collection.name", collection);
                deleteSpan?.SetTag("db.operation.name", "delete");
                deleteSpan?.SetTag("walsync.documents", deletes.Count);
                await _client.DeleteDocumentsAsync(collection, deletes, cancellationToken);
            }
            WalSyncTelemetry.DocumentsDeleted.Add(deletes.Count, collectionTag);
            if (counters is not null)
            {
                Interlocked.Add(ref counters.Deleted, deletes.Count);
            }
        }
        if (deadLetters.Count > 0 && last)
        {
            await _deadLetters.WriteAsync(deadLetters, cancellationToken);
            WalSyncTelemetry.DeadLetters.Add(deadLetters.Count, new KeyValuePair<string, object?>("table", batch.Table.Source.Relation.QualifiedName));
            if (counters is not null)
            {
                _state!.DeadLettered(counters, deadLetters.Count);
            }
            SinkLog.DeadLettered(_logger, deadLetters.Count, collection, deadLetters[0].Error);
        }
        return bytes;
    }

    /// <summary>Imports <paramref name="documents"/>; rejected ones become dead letters, and partial updates that found
    /// no document go to <paramref name="notFound"/> to be read back.</summary>
    private async Task<long> ImportAsync(TableBinding table, string collection, ArraySegment<KeyValuePair<string, PendingChange>> documents, ImportAction action,
        List<DeadLetter> deadLetters, List<KeyValuePair<string, PendingChange>>? notFound, CollectionCounters? counters, CancellationToken cancellationToken,
        RenderedImport? rendered = null)
    {
        var (outcomes, bytes) = rendered is not null && rendered.Documents == documents.Count
            ? await _importer.ImportAsync(collection, rendered, action, cancellationToken)
            : await _importer.ImportAsync(collection, documents, action, cancellationToken);
        var written = outcomes.Count - outcomes.NotWritten;
        for (var i = 0; outcomes.NotWritten > 0 && i < outcomes.Count; i++)
        {
            switch (outcomes[i].Kind)
            {
                case ImportOutcomeKind.Written: break;
                case ImportOutcomeKind.NotFound: notFound?.Add(documents[i]); break;
                default: deadLetters.Add(ToDeadLetter(table, documents[i], action, outcomes[i])); break;
            }
        }
        if (written > 0)
        {
            WalSyncTelemetry.DocumentsWritten.Add(written, new KeyValuePair<string, object?>("collection", table.Collection));
            if (counters is not null)
            {
                Interlocked.Add(ref counters.Written, written);
            }
        }
        return bytes;
    }

    /// <summary>Reads rows whose partial update found no document (or could not be applied as one) back from PostgreSQL,
    /// as whole rows to upsert. A row that no longer exists, or no longer passes the row filter, is skipped: its delete
    /// is later in the stream.</summary>
    private async Task<KeyValuePair<string, PendingChange>[]> ReadBackAsync(TableBinding table, List<KeyValuePair<string, PendingChange>> missing, CancellationToken cancellationToken)
    {
        if (missing.Count == 0)
        {
            return [];
        }
        var rows = new List<KeyValuePair<string, PendingChange>>();
        foreach (var group in missing.GroupBy(m => m.Value.Mapper))
        {
            var mapper = group.Key;
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            var found = await RowReadBack.ReadAsync(connection, table.Source, mapper.Relation, group.Select(m => table.KeyOf(m.Value.Row, mapper)).ToList(), cancellationToken);
            var lsn = group.Max(m => m.Value.Lsn);
            // A row soft-deleted since is not written either: the change that deleted it comes later in the stream.
            rows.AddRange(found.Where(row => !mapper.IsSoftDeleted(row)).Select(row => new KeyValuePair<string, PendingChange>(mapper.GetDocumentId(row),
                new PendingChange(DocumentOperation.Upsert, row, mapper, lsn))));
        }
        return [.. rows];
    }

    // A backfilled row is split with an empty id (Split): it takes its id here, from its row.
    private static DeadLetter ToDeadLetter(TableBinding table, KeyValuePair<string, PendingChange> change, ImportAction action, ImportOutcome outcome) =>
        new(table.Source.Relation.QualifiedName, table.Collection,
            change.Key.Length > 0 || !change.Value.Mapper.TryGetDocumentId(change.Value.Row, out var id, out _) ? change.Key : id,
            table.KeyOf(change.Value.Row, change.Value.Mapper),
            action == ImportAction.Update ? "update" : "upsert", change.Value.Lsn, outcome.Error!, outcome.Document);
}

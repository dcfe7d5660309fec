using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WalSync.DeadLetters;
using WalSync.Replication;
using WalSync.Telemetry;
using WalSync.Typesense;

namespace WalSync.Pipeline;

/// <summary>
/// Writes a <see cref="Batch"/> to Typesense: per collection, the truncate first, then one import of whole documents
/// (<c>action=upsert</c>), one import of partial documents (<c>action=update</c>), whole rows read back from PostgreSQL
/// for the updates that found no document or cannot be partial (<see cref="DocumentOperation.Reload"/>), and the
/// deletes. Collections flush in parallel, bounded. A document Typesense rejects for its content goes to the
/// dead-letter store; every other failure throws (the client has already retried what is transient), so the batch's
/// LSN is not acknowledged.
/// </summary>
/// <remarks>The import endpoint answers 200 even when documents fail; each per-line result is read
/// (https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents).</remarks>
public sealed class TypesenseSink
{
    private readonly TypesenseClient _client;
    private readonly CollectionSchemaSync _schemas;
    private readonly IDeadLetterStore _deadLetters;
    private readonly NpgsqlDataSource _source;
    private readonly int _parallelism;
    private readonly ILogger _logger;

    /// <summary>Creates the sink.</summary>
    /// <param name="client">The Typesense client (it retries transient failures).</param>
    /// <param name="schemas">Keeps collection schemas in step with their tables.</param>
    /// <param name="deadLetters">Where rejected documents go.</param>
    /// <param name="source">The source database, to read back rows whose partial update found no document.</param>
    /// <param name="parallelism">How many collections flush at once (at least 1).</param>
    /// <param name="logger">The logger.</param>
    public TypesenseSink(TypesenseClient client, CollectionSchemaSync schemas, IDeadLetterStore deadLetters, NpgsqlDataSource source, int parallelism, ILogger logger)
    {
        _client = client;
        _schemas = schemas;
        _deadLetters = deadLetters;
        _source = source;
        _parallelism = Math.Max(1, parallelism);
        _logger = logger;
    }

    /// <summary>Writes every change of <paramref name="batch"/>; returns when all of it is in Typesense or in the dead-letter store.</summary>
    /// <exception cref="TypesenseException">A non-transient Typesense error (bad API key, missing collection).</exception>
    /// <exception cref="SchemaChangeException">A collection's schema could not follow its table.</exception>
    public async Task FlushAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.flush");
        activity?.SetTag("walsync.rows", batch.Rows);
        activity?.SetTag("walsync.collections", batch.Collections.Count);
        activity?.SetTag("walsync.commit_lsn", batch.CommitLsn.ToString());
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(batch.Collections.Values,
            new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
            async (collection, token) => await FlushCollectionAsync(collection, token));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        WalSyncTelemetry.FlushDuration.Record(seconds);
        PipelineLog.Flushed(_logger, batch.Rows, batch.Collections.Count, seconds, batch.CommitLsn);
    }

    private async Task FlushCollectionAsync(CollectionBatch batch, CancellationToken cancellationToken)
    {
        var collection = batch.Table.Collection;
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.flush.collection");
        activity?.SetTag("walsync.collection", collection);
        activity?.SetTag("walsync.rows", batch.Changes.Count);
        if (batch.LatestMapper is { } latest)
        {
            await _schemas.EnsureAsync(collection, latest, cancellationToken);
        }
        if (batch.TruncateFirst)
        {
            await _client.TruncateAsync(collection, cancellationToken);
        }
        var deadLetters = new List<DeadLetter>();
        var deletes = new List<string>();
        var missing = new List<KeyValuePair<string, PendingChange>>();
        var partials = 0;
        foreach (var change in batch.Changes)
        {
            switch (change.Value.Operation)
            {
                case DocumentOperation.Delete: deletes.Add(change.Key); break;
                case DocumentOperation.PartialUpdate when change.Value.Mapper.CanUpdatePartially(change.Value.Row): partials++; break;
                case DocumentOperation.PartialUpdate or DocumentOperation.Reload: missing.Add(change); break;
            }
        }
        var upserts = batch.Changes.Count - deletes.Count - partials - missing.Count;
        var bytes = await ImportAsync(batch.Table, batch.Changes, upserts, DocumentOperation.Upsert, deadLetters, null, cancellationToken);
        if (partials > 0 || missing.Count > 0)
        {
            bytes += await ImportAsync(batch.Table, batch.Changes, partials, DocumentOperation.PartialUpdate, deadLetters, missing, cancellationToken);
            var found = await ReadBackAsync(batch.Table, missing, cancellationToken);
            bytes += await ImportAsync(batch.Table, found, found.Count, DocumentOperation.Upsert, deadLetters, null, cancellationToken);
        }
        if (deletes.Count > 0)
        {
            await _client.DeleteDocumentsAsync(collection, deletes, cancellationToken);
            WalSyncTelemetry.DocumentsWritten.Add(deletes.Count);
        }
        if (deadLetters.Count > 0)
        {
            await _deadLetters.WriteAsync(deadLetters, cancellationToken);
            WalSyncTelemetry.DeadLetters.Add(deadLetters.Count);
            PipelineLog.DeadLettered(_logger, deadLetters.Count, collection, deadLetters[0].Error);
        }
        activity?.SetTag("walsync.bytes", bytes);
    }

    /// <summary>Imports the <paramref name="count"/> documents of <paramref name="changes"/> whose operation is
    /// <paramref name="operation"/> (an upsert or a partial update); rejected ones become dead letters, and with
    /// <paramref name="notFound"/> given, partial updates that found no document are collected there instead.</summary>
    private async Task<long> ImportAsync(TableBinding table, IEnumerable<KeyValuePair<string, PendingChange>> changes, int count,
        DocumentOperation operation, List<DeadLetter> deadLetters, List<KeyValuePair<string, PendingChange>>? notFound, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return 0;
        }
        var action = operation == DocumentOperation.PartialUpdate ? ImportAction.Update : ImportAction.Upsert;
        // The body and the line index come from pools: for a full batch they are megabytes and thousands of entries.
        using var body = new PooledBufferWriter(count * 512);
        var sent = ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Rent(count);
        var lineStarts = ArrayPool<int>.Shared.Rent(count + 1);
        try
        {
            var lines = 0;
            foreach (var change in changes)
            {
                // Partial updates that cannot be applied as such were sent to the read-back instead.
                if (change.Value.Operation != operation
                    || (operation == DocumentOperation.PartialUpdate && !change.Value.Mapper.CanUpdatePartially(change.Value.Row)))
                {
                    continue;
                }
                var start = body.WrittenCount;
                var result = change.Value.Mapper.WriteDocument(change.Value.Row, body, action == ImportAction.Update);
                if (result.Success)
                {
                    sent[lines] = change;
                    lineStarts[lines++] = start;
                }
                else
                {
                    deadLetters.Add(ToDeadLetter(table, change, action, result.Error ?? "the row could not be mapped", null));
                }
            }
            if (lines == 0)
            {
                return 0;
            }
            lineStarts[lines] = body.WrittenCount;
            var results = await _client.ImportAsync(table.Collection, body.WrittenMemory, action, cancellationToken);
            WalSyncTelemetry.BytesSent.Add(body.WrittenCount);
            var written = 0;
            for (var i = 0; i < lines; i++)
            {
                var line = results[i];
                if (line.Success)
                {
                    written++;
                }
                else if (notFound is not null && line.Code == 404)
                {
                    notFound.Add(sent[i]);
                }
                else
                {
                    var document = Encoding.UTF8.GetString(body.WrittenSpan[lineStarts[i]..(lineStarts[i + 1] - 1)]);
                    deadLetters.Add(ToDeadLetter(table, sent[i], action, $"Typesense rejected the document ({line.Code}): {line.Error}", document));
                }
            }
            WalSyncTelemetry.DocumentsWritten.Add(written);
            return body.WrittenCount;
        }
        finally
        {
            ArrayPool<KeyValuePair<string, PendingChange>>.Shared.Return(sent, clearArray: true);
            ArrayPool<int>.Shared.Return(lineStarts);
        }
    }

    /// <summary>Reads rows whose partial update found no document (or could not be applied as one) back from PostgreSQL,
    /// as whole rows to upsert. A row that no longer exists is skipped: its delete is later in the stream.</summary>
    private async Task<List<KeyValuePair<string, PendingChange>>> ReadBackAsync(TableBinding table, List<KeyValuePair<string, PendingChange>> missing, CancellationToken cancellationToken)
    {
        var rows = new List<KeyValuePair<string, PendingChange>>();
        if (missing.Count == 0)
        {
            return rows;
        }
        foreach (var group in missing.GroupBy(m => m.Value.Mapper))
        {
            var mapper = group.Key;
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            var found = await RowReadBack.ReadAsync(connection, table.Source, mapper.Relation, group.Select(m => KeyOf(table, m.Value)).ToList(), cancellationToken);
            var lsn = group.Max(m => m.Value.Lsn);
            // A row soft-deleted since is not written either: the change that deleted it comes later in the stream.
            rows.AddRange(found.Where(row => !mapper.IsSoftDeleted(row)).Select(row => new KeyValuePair<string, PendingChange>(mapper.GetDocumentId(row),
                new PendingChange(DocumentOperation.Upsert, row, mapper, lsn))));
        }
        return rows;
    }

    private static string[] KeyOf(TableBinding table, PendingChange change)
    {
        var keys = table.Source.KeyColumns;
        var values = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            values[i] = change.Row.GetString(change.Mapper.Relation.IndexOf(keys[i])) ?? "";
        }
        return values;
    }

    private static DeadLetter ToDeadLetter(TableBinding table, KeyValuePair<string, PendingChange> change, ImportAction action, string error, string? document) =>
        new(table.Source.Relation.QualifiedName, table.Collection, change.Key, KeyOf(table, change.Value),
            action == ImportAction.Update ? "update" : "upsert", change.Value.Lsn, error, document);
}

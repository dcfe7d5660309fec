using System.Buffers;
using System.Text;
using WalSync.Pipeline;
using WalSync.Telemetry;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Maps rows to documents and imports them in one call, then reads every per-line result: the import endpoint answers
/// 200 even when documents fail. Used by the sink and by <c>walsync dead-letters retry</c>, so both classify alike.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents</remarks>
internal sealed class DocumentImporter
{
    private readonly TypesenseClient _client;

    /// <summary>Creates an importer on <paramref name="client"/>, which retries transient failures.</summary>
    public DocumentImporter(TypesenseClient client) => _client = client;

    /// <summary>Imports <paramref name="documents"/> (document id and row) into <paramref name="collection"/>.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="documents">The rows to write, each with the mapper of its relation version.</param>
    /// <param name="action"><see cref="ImportAction.Upsert"/> for whole rows, <see cref="ImportAction.Update"/> for partial ones.</param>
    /// <param name="cancellationToken">Cancels the import.</param>
    /// <returns>One outcome per document, in order, and the bytes sent.</returns>
    /// <exception cref="TypesenseException">The import failed as a whole (after the client's retries), e.g. a missing collection.</exception>
    public async Task<(ImportOutcome[] Outcomes, long Bytes)> ImportAsync(string collection, ArraySegment<KeyValuePair<string, PendingChange>> documents,
        ImportAction action, CancellationToken cancellationToken)
    {
        var outcomes = new ImportOutcome[documents.Count];
        if (documents.Count == 0)
        {
            return (outcomes, 0);
        }
        // The body and the line index come from pools: for a full batch they are megabytes and thousands of entries.
        using var body = new PooledBufferWriter(documents.Count * 512);
        var documentOfLine = ArrayPool<int>.Shared.Rent(documents.Count);
        var lineStarts = ArrayPool<int>.Shared.Rent(documents.Count + 1);
        try
        {
            var lines = 0;
            for (var i = 0; i < documents.Count; i++)
            {
                var change = documents[i].Value;
                var start = body.WrittenCount;
                var mapped = change.Mapper.WriteDocument(change.Row, change.Nested.Span, body, action == ImportAction.Update);
                if (mapped.Success)
                {
                    documentOfLine[lines] = i;
                    lineStarts[lines++] = start;
                }
                else
                {
                    outcomes[i] = ImportOutcome.Rejected(mapped.Error ?? "the row could not be mapped", null);
                }
            }
            if (lines == 0)
            {
                return (outcomes, 0);
            }
            lineStarts[lines] = body.WrittenCount;
            var results = await ImportAsync(collection, body.WrittenMemory, lines, action, cancellationToken);
            for (var line = 0; line < lines; line++)
            {
                var result = results[line];
                outcomes[documentOfLine[line]] = result.Success ? ImportOutcome.Written
                    : result.Code == 404 && action == ImportAction.Update ? ImportOutcome.NotFound
                    : ImportOutcome.Rejected($"Typesense rejected the document ({result.Code}): {result.Error}",
                        Encoding.UTF8.GetString(body.WrittenSpan[lineStarts[line]..(lineStarts[line + 1] - 1)]));
            }
            return (outcomes, body.WrittenCount);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(documentOfLine);
            ArrayPool<int>.Shared.Return(lineStarts);
        }
    }

    /// <summary>One import call, with its span (a child of the flush's) and its duration by collection.</summary>
    private async Task<IReadOnlyList<ImportLineResult>> ImportAsync(string collection, ReadOnlyMemory<byte> body, int documents, ImportAction action,
        CancellationToken cancellationToken)
    {
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.import");
        activity?.SetTag("db.system", "typesense");
        activity?.SetTag("db.collection.name", collection);
        activity?.SetTag("db.operation.name", "import");
        activity?.SetTag("walsync.action", action == ImportAction.Update ? "update" : "upsert");
        activity?.SetTag("walsync.documents", documents);
        activity?.SetTag("walsync.bytes", body.Length);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = await _client.ImportAsync(collection, body, action, cancellationToken);
        WalSyncTelemetry.ImportDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("collection", collection));
        WalSyncTelemetry.BytesSent.Add(body.Length);
        if (activity is not null)
        {
            activity.SetTag("walsync.rejected", results.Count(r => !r.Success));
        }
        return results;
    }
}

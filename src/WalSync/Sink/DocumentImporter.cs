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
    public async Task<(ImportOutcomes Outcomes, long Bytes)> ImportAsync(string collection, ArraySegment<KeyValuePair<string, PendingChange>> documents,
        ImportAction action, CancellationToken cancellationToken)
    {
        if (documents.Count == 0)
        {
            return (new ImportOutcomes(0), 0);
        }
        using var rendered = RenderedImport.Render(documents, action == ImportAction.Update);
        return await ImportAsync(collection, rendered, action, cancellationToken);
    }

    /// <summary>Imports documents already rendered into <paramref name="collection"/>; <paramref name="rendered"/> stays the caller's.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="rendered">The documents' import body.</param>
    /// <param name="action">As <paramref name="rendered"/> was made: <see cref="ImportAction.Update"/> for partial documents.</param>
    /// <param name="cancellationToken">Cancels the import.</param>
    /// <returns>One outcome per rendered document, in order, and the bytes sent.</returns>
    /// <exception cref="TypesenseException">The import failed as a whole (after the client's retries), e.g. a missing collection.</exception>
    public async Task<(ImportOutcomes Outcomes, long Bytes)> ImportAsync(string collection, RenderedImport rendered, ImportAction action, CancellationToken cancellationToken)
    {
        var outcomes = rendered.Unmapped.Copy();
        if (rendered.Lines == 0)
        {
            return (outcomes, 0);
        }
        var results = await ImportAsync(collection, rendered.Body.WrittenMemory, rendered.Lines, action, cancellationToken);
        for (var line = 0; line < rendered.Lines; line++)
        {
            var result = results[line];
            if (!result.Success)
            {
                outcomes.SetNotWritten(rendered.DocumentOf(line), result.Code == 404 && action == ImportAction.Update ? ImportOutcome.NotFound
                    : ImportOutcome.Rejected($"Typesense rejected the document ({result.Code}): {result.Error}", Encoding.UTF8.GetString(rendered.Line(line))));
            }
        }
        return (outcomes, rendered.Body.WrittenCount);
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

using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>DELETE /collections/:c/documents</c>: delete by <c>filter_by</c>, or everything with <c>truncate=true</c>.
/// Every answer of this route is <c>application/json</c> without charset. <c>ignore_not_found</c> is ignored here.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#delete-by-query; Typesense v29 <c>del_remove_documents()</c>.</remarks>
internal static class DeleteByFilterEndpoint
{
    /// <summary>Handles the request: 200 <c>{"num_deleted":N}</c> (plus <c>ids</c>/<c>documents</c> when asked).</summary>
    public static Task HandleAsync(RequestContext context)
    {
        var collection = context.Collection();
        if (collection is null)
        {
            return context.CollectionNotFoundAsync(HttpResults.JsonNoCharset);
        }

        List<StoredDocument> deleted;
        lock (collection.Gate)
        {
            if (context.Query["truncate"] == "true")
            {
                deleted = collection.Documents.RemoveAll();
                return Answer(context, deleted, withDetails: false);
            }

            if (context.Query["filter_by"] is not { } filter)
            {
                return Fail(context, new ApiError(400, "Parameter `filter_by` must be provided."));
            }

            if (context.Query["batch_size"] is { } batchSize && !(uint.TryParse(batchSize, out var size) && size > 0))
            {
                return Fail(context, new ApiError(400, "Parameter `batch_size` must be a positive integer."));
            }

            if (FilterParser.Parse(filter, collection, out var node) is { } error)
            {
                return Fail(context, error);
            }

            deleted = node is null ? [] : DocumentSelector.Select(collection, node);
            foreach (var document in deleted)
            {
                collection.Documents.Remove(document.Id, out _);
            }
        }

        return Answer(context, deleted, withDetails: true);
    }

    private static Task Fail(RequestContext context, ApiError error) =>
        HttpResults.ErrorAsync(context.Http, error, HttpResults.JsonNoCharset);

    private static Task Answer(RequestContext context, List<StoredDocument> deleted, bool withDetails)
    {
        var output = new Utf8Buffer();
        output.Write((byte)'{');
        if (withDetails && context.Query["return_doc"] == "true")
        {
            output.Write("\"documents\":["u8);
            WriteList(output, deleted, d => output.Write(d.Json.Span));
            output.Write("],"u8);
        }

        if (withDetails && context.Query["return_id"] == "true")
        {
            output.Write("\"ids\":["u8);
            WriteList(output, deleted, d => CanonicalJson.WriteString(output, d.Id));
            output.Write("],"u8);
        }

        output.Write("\"num_deleted\":"u8);
        output.WriteAscii(deleted.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.Write((byte)'}');
        return HttpResults.WriteAsync(context.Http, 200, output, HttpResults.JsonNoCharset);
    }

    private static void WriteList(Utf8Buffer output, List<StoredDocument> documents, Action<StoredDocument> write)
    {
        for (var i = 0; i < documents.Count; i++)
        {
            if (i > 0)
            {
                output.Write((byte)',');
            }

            write(documents[i]);
        }
    }
}

using System.Buffers;
using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>GET /collections/:c/documents/export[?filter_by=…]</c>: stored documents as JSONL in sequence order,
/// <c>text/plain; charset=utf-8</c>, lines joined by <c>\n</c>.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#export-documents</remarks>
internal static class ExportEndpoint
{
    /// <summary>Handles the request.</summary>
    public static async Task HandleAsync(RequestContext context)
    {
        var collection = context.Collection();
        if (collection is null)
        {
            await context.CollectionNotFoundAsync();
            return;
        }

        List<StoredDocument> documents = [];
        ApiError? error;
        lock (collection.Gate)
        {
            error = FilterParser.Parse(context.Query["filter_by"] ?? string.Empty, collection, out var filter);
            if (error is null)
            {
                documents = DocumentSelector.Select(collection, filter);
            }
        }

        if (error is not null)
        {
            await HttpResults.ErrorAsync(context.Http, error);
            return;
        }

        var response = context.Http.Response;
        response.StatusCode = 200;
        response.ContentType = HttpResults.Text;
        var output = response.BodyWriter;
        for (var i = 0; i < documents.Count; i++)
        {
            if (i > 0)
            {
                output.Write("\n"u8);
            }

            output.Write(documents[i].Json.Span);
            if (i % 1000 == 999)
            {
                await output.FlushAsync(context.Http.RequestAborted);
            }
        }

        await output.FlushAsync(context.Http.RequestAborted);
    }
}

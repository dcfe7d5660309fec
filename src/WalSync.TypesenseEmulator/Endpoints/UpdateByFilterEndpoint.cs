using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>PATCH /collections/:c/documents?filter_by=…</c>: merges the body into every matching document;
/// 200 <c>{"num_updated":N}</c>.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#update-documents-by-query</remarks>
internal static class UpdateByFilterEndpoint
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

        if (context.Query["filter_by"] is not { } filter)
        {
            await HttpResults.MessageAsync(context.Http, 400, "Parameter `filter_by` must be provided.");
            return;
        }

        var body = await HttpResults.ReadBodyAsync(context.Http);
        var updated = 0;
        ApiError? error;
        lock (collection.Gate)
        {
            error = FilterParser.Parse(filter, collection, out var node);
            if (error is null && node is not null)
            {
                var writer = new DocumentWriter(collection);
                var dirty = WriteParameters.Dirty(context.Query, collection);
                foreach (var document in DocumentSelector.Select(collection, node))
                {
                    var outcome = writer.Write(body, WriteAction.Update, dirty, document.Id, wantIdJson: false);
                    if (!outcome.Success)
                    {
                        error = new ApiError(outcome.Code, outcome.Error!);
                        break;
                    }

                    updated++;
                }
            }
        }

        if (error is not null)
        {
            await HttpResults.ErrorAsync(context.Http, error);
            return;
        }

        var output = new Utf8Buffer(32);
        output.Write("{\"num_updated\":"u8);
        output.WriteAscii(updated.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.Write((byte)'}');
        await HttpResults.WriteAsync(context.Http, 200, output);
    }
}

using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>Single-document endpoints: POST (201), GET, PATCH (200) and DELETE by id.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html; Typesense v29 core_api.cpp document handlers.</remarks>
internal static class DocumentEndpoints
{
    /// <summary>
    /// <c>POST /collections/:c/documents</c>: 201 with the stored document for every action; failures carry the
    /// per-line code and a compact, escaped <c>{"message":"…"}</c>.
    /// </summary>
    public static async Task CreateAsync(RequestContext context)
    {
        if (await WriteParameters.ReadTargetAsync(context, checkBatchSize: false) is not { } target)
        {
            return;
        }

        var (parameters, collection) = target;

        var body = await HttpResults.ReadBodyAsync(context.Http);
        var outcome = Write(collection, body, parameters.Action, WriteParameters.Dirty(context.Query, collection), null);
        await (outcome.Success
            ? HttpResults.WriteAsync(context.Http, 201, outcome.Document!.Value.Json)
            : HttpResults.CompactMessageAsync(context.Http, outcome.Code, outcome.Error!));
    }

    /// <summary><c>GET /collections/:c/documents/:id</c>: 200 with the document, else 404.</summary>
    public static Task GetAsync(RequestContext context)
    {
        var collection = context.Collection();
        if (collection is null)
        {
            return context.CollectionNotFoundAsync();
        }

        StoredDocument? document;
        lock (collection.Gate)
        {
            document = collection.Documents.Find(context.Route.Id);
        }

        return document is null
            ? NotFoundAsync(context)
            : HttpResults.WriteAsync(context.Http, 200, document.Value.Json);
    }

    /// <summary><c>PATCH /collections/:c/documents/:id</c>: the update action with the id from the path; 200.</summary>
    public static async Task UpdateAsync(RequestContext context)
    {
        var collection = context.Collection();
        if (collection is null)
        {
            await context.CollectionNotFoundAsync();
            return;
        }

        var body = await HttpResults.ReadBodyAsync(context.Http);
        var outcome = Write(collection, body, WriteAction.Update, WriteParameters.Dirty(context.Query, collection), context.Route.Id);
        await (outcome.Success
            ? HttpResults.WriteAsync(context.Http, 200, outcome.Document!.Value.Json)
            : HttpResults.MessageAsync(context.Http, outcome.Code, outcome.Error!));
    }

    /// <summary>
    /// <c>DELETE /collections/:c/documents/:id</c>: 200 with the deleted document; with <c>ignore_not_found=true</c>
    /// a missing document gives 200 <c>{"id":"…"}</c>.
    /// </summary>
    public static Task DeleteAsync(RequestContext context)
    {
        var collection = context.Collection();
        if (collection is null)
        {
            return context.CollectionNotFoundAsync();
        }

        bool found;
        StoredDocument removed;
        lock (collection.Gate)
        {
            found = collection.Documents.Remove(context.Route.Id, out removed);
        }

        if (found)
        {
            return HttpResults.WriteAsync(context.Http, 200, removed.Json);
        }

        if (context.Query["ignore_not_found"] == "true")
        {
            var body = new Utf8Buffer();
            body.Write("{\"id\":"u8);
            CanonicalJson.WriteString(body, context.Route.Id);
            body.Write((byte)'}');
            return HttpResults.WriteAsync(context.Http, 200, body);
        }

        return NotFoundAsync(context);
    }

    private static WriteOutcome Write(EmulatorCollection collection, byte[] body, WriteAction action, DirtyValues dirty, string? pathId)
    {
        lock (collection.Gate)
        {
            return new DocumentWriter(collection).Write(body, action, dirty, pathId);
        }
    }

    private static Task NotFoundAsync(RequestContext context) =>
        HttpResults.MessageAsync(context.Http, 404, $"Could not find a document with id: {context.Route.Id}");
}

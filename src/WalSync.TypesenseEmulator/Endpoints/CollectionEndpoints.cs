using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>Create, list, get and drop collections.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/collections.html; Typesense v29 core_api.cpp collection handlers.</remarks>
internal static class CollectionEndpoints
{
    /// <summary><c>POST /collections</c>: 201 with the summary.</summary>
    public static async Task CreateAsync(RequestContext context)
    {
        using var document = await context.ReadJsonObjectAsync();
        if (document is null)
        {
            return;
        }

        var source = context.Query["src_name"];
        var error = source is null
            ? CollectionSchemaParser.Parse(document.RootElement, context.Store, out var collection)
            : Clone(document.RootElement, source, context.Store, out collection);
        if (error is not null)
        {
            await HttpResults.ErrorAsync(context.Http, error);
            return;
        }

        if (!context.Store.TryAdd(collection!))
        {
            await HttpResults.MessageAsync(context.Http, 409, $"A collection with name `{collection!.Name}` already exists.");
            return;
        }

        await HttpResults.WriteAsync(context.Http, 201, Summary(collection!));
    }

    /// <summary>
    /// <c>POST /collections?src_name=…</c>: a new collection with the source's schema (fields, discovered nested
    /// sub-fields included; nested fields, default sorting field, token settings); no documents and no metadata.
    /// </summary>
    /// <remarks>Typesense v29 <c>CollectionManager::clone_collection()</c> (src/collection_manager.cpp): only a real
    /// collection is a source, and its errors are all 400.</remarks>
    private static ApiError? Clone(System.Text.Json.JsonElement body, string source, EmulatorStore store, out EmulatorCollection? collection)
    {
        collection = null;
        var original = store.Find(source);
        if (original is null)
        {
            return new ApiError(400, $"Collection with name `{source}` not found.");
        }

        if (!body.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != System.Text.Json.JsonValueKind.String)
        {
            return new ApiError(400, "Collection name must be provided.");
        }

        var name = nameElement.GetString()!;
        if (store.Exists(name))
        {
            return new ApiError(400, $"Collection with name `{name}` already exists.");
        }

        lock (original.Gate)
        {
            collection = new EmulatorCollection
            {
                Name = name,
                CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                DefaultSortingField = original.DefaultSortingField,
                EnableNestedFields = original.EnableNestedFields,
                Fields = [.. original.Fields],
                SymbolsToIndex = original.SymbolsToIndex,
                TokenSeparators = original.TokenSeparators,
            };
        }

        return null;
    }

    /// <summary><c>GET /collections</c>: summaries, newest first; <c>offset</c> and <c>limit</c> honoured.</summary>
    public static Task ListAsync(RequestContext context)
    {
        IEnumerable<EmulatorCollection> collections = context.Store.ListNewestFirst();
        if (int.TryParse(context.Query["offset"], out var offset) && offset > 0)
        {
            collections = collections.Skip(offset);
        }

        if (int.TryParse(context.Query["limit"], out var limit) && limit > 0)
        {
            collections = collections.Take(limit);
        }

        var output = new Utf8Buffer();
        output.Write((byte)'[');
        var first = true;
        foreach (var collection in collections)
        {
            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            lock (collection.Gate)
            {
                collection.WriteSummary(output);
            }
        }

        output.Write((byte)']');
        return HttpResults.WriteAsync(context.Http, 200, output);
    }

    /// <summary><c>GET /collections/:c</c>: 200 summary (aliases resolve), else 404 <c>Collection not found</c>.</summary>
    public static Task GetAsync(RequestContext context)
    {
        var collection = context.Collection();
        return collection is null
            ? context.CollectionNotFoundAsync()
            : HttpResults.WriteAsync(context.Http, 200, Summary(collection));
    }

    /// <summary><c>DELETE /collections/:c</c>: 200 with the summary before the drop; aliases stay.</summary>
    public static Task DeleteAsync(RequestContext context)
    {
        var collection = context.Store.Resolve(context.Route.Collection);
        if (collection is null || context.Store.Remove(collection.Name) is null)
        {
            return HttpResults.MessageAsync(context.Http, 404, $"No collection with name `{context.Route.Collection}` found.");
        }

        return HttpResults.WriteAsync(context.Http, 200, Summary(collection));
    }

    /// <summary>The summary JSON of a collection.</summary>
    public static Utf8Buffer Summary(EmulatorCollection collection)
    {
        var output = new Utf8Buffer();
        lock (collection.Gate)
        {
            collection.WriteSummary(output);
        }

        return output;
    }
}

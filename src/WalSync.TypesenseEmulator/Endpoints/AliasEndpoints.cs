using System.Text.Json;
using System.Text.Json.Nodes;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// Aliases: PUT (target not checked; a name equal to a collection's gives 500), GET, list, DELETE.
/// Aliases resolve one level wherever a collection name is accepted.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/collection-alias.html; Typesense v29 alias handlers.</remarks>
internal static class AliasEndpoints
{
    /// <summary><c>PUT /aliases/:a</c>: 200 with the request body plus <c>name</c>.</summary>
    public static async Task UpsertAsync(RequestContext context)
    {
        using var document = await context.ReadJsonObjectAsync();
        if (document is null)
        {
            return;
        }

        if (!document.RootElement.TryGetProperty("collection_name", out var target))
        {
            await HttpResults.MessageAsync(context.Http, 400, "Parameter `collection_name` is required.");
            return;
        }

        if (target.ValueKind != JsonValueKind.String)
        {
            await HttpResults.MessageAsync(context.Http, 400, "Bad request.");
            return;
        }

        var name = context.Route.Collection;
        if (context.Store.UpsertAlias(name, target.GetString()!) is { } error)
        {
            await HttpResults.ErrorAsync(context.Http, error);
            return;
        }

        using var patch = JsonDocument.Parse(new JsonObject { ["name"] = name }.ToJsonString());
        var output = new Utf8Buffer();
        CanonicalJson.WriteObject(output, document.RootElement, patch.RootElement);
        await HttpResults.WriteAsync(context.Http, 200, output);
    }

    /// <summary><c>GET /aliases/:a</c>.</summary>
    public static Task GetAsync(RequestContext context)
    {
        var target = context.Store.GetAlias(context.Route.Collection);
        return target is null ? context.CollectionNotFoundAsync() : WriteAlias(context, context.Route.Collection, target);
    }

    /// <summary><c>DELETE /aliases/:a</c>: 200 with the removed alias.</summary>
    public static Task DeleteAsync(RequestContext context)
    {
        var target = context.Store.RemoveAlias(context.Route.Collection);
        return target is null ? context.CollectionNotFoundAsync() : WriteAlias(context, context.Route.Collection, target);
    }

    /// <summary><c>GET /aliases</c>: <c>{"aliases":[…]}</c>.</summary>
    public static Task ListAsync(RequestContext context)
    {
        var output = new Utf8Buffer();
        output.Write("{\"aliases\":["u8);
        var first = true;
        foreach (var (name, target) in context.Store.ListAliases())
        {
            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            AliasJson(output, name, target);
        }

        output.Write("]}"u8);
        return HttpResults.WriteAsync(context.Http, 200, output);
    }

    private static Task WriteAlias(RequestContext context, string name, string target)
    {
        var output = new Utf8Buffer();
        AliasJson(output, name, target);
        return HttpResults.WriteAsync(context.Http, 200, output);
    }

    private static void AliasJson(Utf8Buffer output, string name, string target)
    {
        output.Write("{\"collection_name\":"u8);
        CanonicalJson.WriteString(output, target);
        output.Write(",\"name\":"u8);
        CanonicalJson.WriteString(output, name);
        output.Write((byte)'}');
    }
}

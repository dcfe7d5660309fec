using System.Text.Json;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Http;

/// <summary>Everything an endpoint needs for one request.</summary>
/// <param name="Http">The ASP.NET Core context.</param>
/// <param name="Route">The matched route.</param>
/// <param name="Query">Parsed query parameters.</param>
/// <param name="Store">Collections and aliases.</param>
/// <param name="Faults">Fault control (used by the control endpoint).</param>
internal sealed record RequestContext(HttpContext Http, RouteMatch Route, QueryParameters Query, EmulatorStore Store, FaultInjector Faults)
{
    /// <summary>Resolves the route's collection (or alias), or null.</summary>
    public EmulatorCollection? Collection() => Store.Resolve(Route.Collection);

    /// <summary>
    /// Reads the body as a JSON object (nlohmann's rules); when it is not one, answers 400 <c>Bad JSON.</c> and
    /// returns null. The caller disposes the result.
    /// </summary>
    public async Task<JsonDocument?> ReadJsonObjectAsync()
    {
        var document = JsonBody.TryParse(await HttpResults.ReadBodyAsync(Http));
        if (document?.RootElement.ValueKind == JsonValueKind.Object)
        {
            return document;
        }

        document?.Dispose();
        await HttpResults.MessageAsync(Http, 400, "Bad JSON.");
        return null;
    }

    /// <summary>Writes 404 <c>{"message": "Collection not found"}</c> (v29 text).</summary>
    public Task CollectionNotFoundAsync(string contentType = HttpResults.Json) =>
        HttpResults.MessageAsync(Http, 404, "Collection not found", contentType);
}

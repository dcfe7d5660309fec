using WalSync.TypesenseEmulator.Http;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary><c>GET /health</c>: no key needed, never gated; 200 <c>{"ok":true}</c> or 503 <c>{"ok":false}</c>.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/cluster-operations.html#health</remarks>
internal static class HealthEndpoint
{
    /// <summary>Handles the request.</summary>
    public static Task HandleAsync(RequestContext context) => context.Faults.IsHealthy
        ? HttpResults.WriteAsync(context.Http, 200, "{\"ok\":true}"u8.ToArray())
        : HttpResults.WriteAsync(context.Http, 503, "{\"ok\":false}"u8.ToArray());
}

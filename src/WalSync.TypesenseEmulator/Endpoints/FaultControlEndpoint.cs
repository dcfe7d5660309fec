using System.Globalization;
using System.Text.Json;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// The emulator's own control endpoint, authenticated with the API key, never gated or faulted:
/// <c>GET /_emulator/faults</c> reads counters, <c>DELETE</c> clears all faults, <c>POST</c> with a JSON body such as
/// <c>{"kind":"service_unavailable","scope":"writes","count":3}</c>, <c>{"kind":"hang","duration_ms":5000}</c>,
/// <c>{"delay_ms":200}</c>, <c>{"healthy":false}</c> or <c>{"reset_counters":true}</c> adds faults.
/// <c>kind</c>: service_unavailable | internal_error | hang | drop_connection; <c>scope</c>: writes (default) | all;
/// <c>route</c>: a <see cref="RouteKind"/> name such as <c>DocumentImport</c>. Every answer is the counters.
/// </summary>
internal static class FaultControlEndpoint
{
    /// <summary>Handles the request.</summary>
    public static async Task HandleAsync(RequestContext context)
    {
        var faults = context.Faults;
        switch (context.Http.Request.Method)
        {
            case "DELETE":
                faults.Clear();
                break;
            case "POST":
                using (var document = await context.ReadJsonObjectAsync())
                {
                    if (document is null)
                    {
                        return;
                    }

                    if (TryApply(faults, document.RootElement) is { } error)
                    {
                        await HttpResults.MessageAsync(context.Http, 400, error);
                        return;
                    }
                }

                break;
        }

        await HttpResults.WriteAsync(context.Http, 200, Counters(faults));
    }

    // Wrong value types (a string for count, a negative delay) become 400 instead of a server error.
    private static string? TryApply(FaultInjector faults, JsonElement body)
    {
        try
        {
            return Apply(faults, body);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            return "Invalid fault settings: " + e.Message.Replace("\"", "'", StringComparison.Ordinal);
        }
    }

    private static string? Apply(FaultInjector faults, JsonElement body)
    {
        if (body.TryGetProperty("reset_counters", out var reset) && reset.ValueKind == JsonValueKind.True)
        {
            faults.ResetCounters();
        }

        if (body.TryGetProperty("delay_ms", out var delay))
        {
            faults.SetDelay(TimeSpan.FromMilliseconds(delay.GetDouble()));
        }

        if (body.TryGetProperty("healthy", out var healthy))
        {
            faults.SetHealthy(healthy.ValueKind == JsonValueKind.True);
        }

        if (!body.TryGetProperty("kind", out var kindElement))
        {
            return null;
        }

        if (!Enum.TryParse<FaultKind>(Normalise(kindElement.GetString()), true, out var kind))
        {
            return "`kind` must be one of service_unavailable, internal_error, hang, drop_connection.";
        }

        var scope = body.TryGetProperty("scope", out var scopeElement) && scopeElement.GetString() is "all" or "all_requests"
            ? FaultScope.AllRequests
            : FaultScope.Writes;
        RouteKind? route = null;
        if (body.TryGetProperty("route", out var routeElement))
        {
            if (!Enum.TryParse<RouteKind>(Normalise(routeElement.GetString()), true, out var parsed))
            {
                return "`route` must name a route kind, e.g. DocumentImport.";
            }

            route = parsed;
        }

        if (body.TryGetProperty("duration_ms", out var duration))
        {
            faults.FailFor(TimeSpan.FromMilliseconds(duration.GetDouble()), kind, scope, route);
        }
        else
        {
            var count = body.TryGetProperty("count", out var countElement) ? countElement.GetInt32() : 1;
            faults.FailNext(count, kind, scope, route);
        }

        return null;
    }

    private static string Normalise(string? name) => (name ?? string.Empty).Replace("_", string.Empty, StringComparison.Ordinal);

    private static Utf8Buffer Counters(FaultInjector faults)
    {
        var output = new Utf8Buffer();
        output.Write("{\"faults_served\":"u8);
        output.WriteAscii(faults.FaultsServed.ToString(CultureInfo.InvariantCulture));
        output.Write(",\"healthy\":"u8);
        output.Write(faults.IsHealthy ? "true"u8 : "false"u8);
        output.Write(",\"requests\":{"u8);
        var first = true;
        foreach (var route in Enum.GetValues<RouteKind>().OrderBy(r => r.ToString(), KeyOrder.Instance))
        {
            var count = faults.RequestsReceived(route);
            if (count == 0)
            {
                continue;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            CanonicalJson.WriteString(output, route.ToString());
            output.Write((byte)':');
            output.WriteAscii(count.ToString(CultureInfo.InvariantCulture));
        }

        output.Write("},\"total_requests\":"u8);
        output.WriteAscii(faults.TotalRequests.ToString(CultureInfo.InvariantCulture));
        output.Write((byte)'}');
        return output;
    }
}

using System.Text;
using Microsoft.AspNetCore.Http.Features;
using WalSync.TypesenseEmulator.Endpoints;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Http;

/// <summary>
/// The request pipeline, in Typesense's order (v29 <c>HttpServer::catch_all_handler()</c>): search query-length
/// check, route match (404), readiness gate and injected faults (503 and friends, before auth), API key (401),
/// dispatch.
/// </summary>
internal sealed class RequestPipeline
{
    private const int MaxSearchQueryLength = 4000;

    private readonly EmulatorStore _store;
    private readonly FaultInjector _faults;
    private readonly string _apiKey;

    /// <summary>Creates the pipeline over one store.</summary>
    public RequestPipeline(EmulatorStore store, FaultInjector faults, string apiKey)
    {
        _store = store;
        _faults = faults;
        _apiKey = apiKey;
    }

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "/";
        var queryAt = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryAt < 0 ? target : target[..queryAt];
        var rawQuery = queryAt < 0 ? string.Empty : target[(queryAt + 1)..];
        var segments = RouteTable.Segments(rawPath);
        if (http.Request.Method == "GET" && segments.Length > 0 && segments[^1] == "search" && rawQuery.Length > MaxSearchQueryLength)
        {
            await HttpResults.CompactMessageAsync(http, 400, "Query string exceeds max allowed length of 4000. Use the /multi_search end-point for larger payloads.");
            return;
        }

        var route = RouteTable.Match(http.Request.Method, segments);
        if (route is null)
        {
            await HttpResults.WriteAsync(http, 404, "{ \"message\": \"Not Found\"}"u8.ToArray());
            return;
        }

        var query = new QueryParameters(rawQuery);
        var context = new RequestContext(http, route, query, _store, _faults);
        if (route.Kind == RouteKind.FaultControl)
        {
            await (Authenticated(http, query) ? FaultControlEndpoint.HandleAsync(context) : ForbiddenAsync(http));
            return;
        }

        _faults.RecordRequest(route.Kind);
        if (!await PassFaultsAsync(http, route))
        {
            return;
        }

        // Only GET /health is open; POST /health needs the key (Typesense core_api.cpp handle_authentication()).
        var open = route.Kind == RouteKind.Health && http.Request.Method == "GET";
        if (!open && !Authenticated(http, query))
        {
            await ForbiddenAsync(http);
            return;
        }

        await Dispatch(context);
    }

    private static Task Dispatch(RequestContext context) => context.Route.Kind switch
    {
        RouteKind.Health => HealthEndpoint.HandleAsync(context),
        RouteKind.CollectionCreate => CollectionEndpoints.CreateAsync(context),
        RouteKind.CollectionList => CollectionEndpoints.ListAsync(context),
        RouteKind.CollectionGet => CollectionEndpoints.GetAsync(context),
        RouteKind.CollectionUpdate => CollectionAlterEndpoint.HandleAsync(context),
        RouteKind.CollectionDelete => CollectionEndpoints.DeleteAsync(context),
        RouteKind.DocumentSearch => SearchEndpoint.HandleAsync(context),
        RouteKind.DocumentImport => ImportEndpoint.HandleAsync(context),
        RouteKind.DocumentExport => ExportEndpoint.HandleAsync(context),
        RouteKind.DocumentCreate => DocumentEndpoints.CreateAsync(context),
        RouteKind.DocumentGet => DocumentEndpoints.GetAsync(context),
        RouteKind.DocumentUpdate => DocumentEndpoints.UpdateAsync(context),
        RouteKind.DocumentDelete => DocumentEndpoints.DeleteAsync(context),
        RouteKind.DocumentsDeleteByFilter => DeleteByFilterEndpoint.HandleAsync(context),
        RouteKind.DocumentsUpdateByFilter => UpdateByFilterEndpoint.HandleAsync(context),
        RouteKind.AliasList => AliasEndpoints.ListAsync(context),
        RouteKind.AliasGet => AliasEndpoints.GetAsync(context),
        RouteKind.AliasUpsert => AliasEndpoints.UpsertAsync(context),
        RouteKind.AliasDelete => AliasEndpoints.DeleteAsync(context),
        _ => throw new System.Diagnostics.UnreachableException($"Route {context.Route.Kind} is handled before dispatch."),
    };

    // Header first (any case, even when empty), else the exact lowercase query parameter (Typesense §2).
    private bool Authenticated(HttpContext http, QueryParameters query)
    {
        var key = http.Request.Headers.TryGetValue("x-typesense-api-key", out var header)
            ? header.ToString()
            : query["x-typesense-api-key"];
        return !string.IsNullOrEmpty(key)
            && CryptographicEquals(key, _apiKey);
    }

    private static bool CryptographicEquals(string given, string expected) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static Task ForbiddenAsync(HttpContext http) =>
        HttpResults.MessageAsync(http, 401, "Forbidden - a valid `x-typesense-api-key` header must be sent.");

    // Returns false when the request was answered (or dropped) by a fault.
    private async Task<bool> PassFaultsAsync(HttpContext http, RouteMatch route)
    {
        if (route.Kind == RouteKind.Health)
        {
            // Health is faulted only by a rule for its route (a hung node); readiness has its own answer there.
            return _faults.Take(route.Kind, isWrite: false) is not { } fault || await ServeFaultAsync(http, fault);
        }

        var delay = _faults.Delay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, http.RequestAborted);
        }

        if (!_faults.IsHealthy)
        {
            await NotReadyAsync(http);
            return false;
        }

        return _faults.Take(route.Kind, route.IsWrite) is not { } kind || await ServeFaultAsync(http, kind);
    }

    // Returns false when the request was answered (or dropped) by the fault, true when a hang was cleared (serve it).
    private async Task<bool> ServeFaultAsync(HttpContext http, FaultKind kind)
    {
        switch (kind)
        {
            case FaultKind.ServiceUnavailable:
                await NotReadyAsync(http);
                return false;
            case FaultKind.InternalError:
                await HttpResults.MessageAsync(http, 500, "Internal Server Error");
                return false;
            case FaultKind.DropConnection:
                http.Abort();
                return false;
            default:
                // Hang: hold the request until the client gives up, or until the fault is cleared (then serve it).
                var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await using (http.RequestAborted.Register(() => aborted.TrySetResult()))
                {
                    await Task.WhenAny(aborted.Task, _faults.WhenCleared());
                }

                return !http.RequestAborted.IsCancellationRequested;
        }
    }

    private static Task NotReadyAsync(HttpContext http) =>
        HttpResults.WriteAsync(http, 503, "{ \"message\": \"Not Ready or Lagging\"}"u8.ToArray());
}

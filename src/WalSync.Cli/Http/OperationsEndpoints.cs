using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>
/// The read-only endpoints of <c>walsync run</c>: <c>/healthz</c>, <c>/readyz</c>, <c>/status</c> and <c>/wait</c>, answered
/// from the service's <see cref="SyncState"/>. (<c>/metrics</c> is the OpenTelemetry Prometheus exporter's.)
/// </summary>
public static class OperationsEndpoints
{
    /// <summary>Maps the endpoints onto <paramref name="endpoints"/>.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, SyncState state, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/healthz", context => WriteAsync(context, StatusCodes.Status200OK, new AliveBody("alive")));
        endpoints.MapGet("/readyz", context =>
        {
            var status = state.Snapshot();
            return status.IsReady(options.UnreadyAfter, out var reason)
                ? WriteAsync(context, StatusCodes.Status200OK, new ReadyBody(true, status.Phase))
                : WriteAsync(context, StatusCodes.Status503ServiceUnavailable, new NotReadyBody(false, status.Phase, reason, status.LastError));
        });
        endpoints.MapGet("/status", context => WriteAsync(context, StatusCodes.Status200OK, StatusJson.Document(state.Snapshot(), options.UnreadyAfter)));
        endpoints.MapGet("/wait", context => WaitAsync(context, state));
    }

    /// <summary>
    /// Answers 200 once every change committed before the LSN is in Typesense or in the dead-letter store, 504 when the timeout
    /// passes first, 400 for a malformed query. The answer comes from what the Checkpointer flushed or acknowledged.
    /// </summary>
    private static async Task WaitAsync(HttpContext context, SyncState state)
    {
        var query = context.Request.Query;
        if (!WaitRequest.TryParse(query["lsn"], query["timeout"], out var request, out var error))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorBody(error));
            return;
        }
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(request!.Timeout);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        try
        {
            await state.WaitForSearchableAsync(request.Lsn, waiting.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await WriteAsync(context, StatusCodes.Status504GatewayTimeout, new WaitTimeoutBody(
                $"not searchable after {request.Timeout.TotalSeconds:0.###} s: WalSync has written everything before {Lsn(state.SearchableThrough)}, not yet {request.Lsn}",
                request.Lsn.ToString(), Lsn(state.SearchableThrough)));
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        await WriteAsync(context, StatusCodes.Status200OK,
            new WaitDoneBody(request.Lsn.ToString(), Lsn(state.SearchableThrough), Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3)));
    }

    private static string? Lsn(NpgsqlTypes.NpgsqlLogSequenceNumber lsn) => lsn == NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid ? null : lsn.ToString();

    private static Task WriteAsync<T>(HttpContext context, int status, T body)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(body, StatusJson.Info<T>(), contentType: null, context.RequestAborted);
    }
}

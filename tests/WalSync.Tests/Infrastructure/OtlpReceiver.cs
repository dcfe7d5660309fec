using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP receiver (http/protobuf) on a free loopback port: it keeps the body of every export request to
/// <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> and answers 200, as a collector does.
/// </summary>
/// <remarks>https://opentelemetry.io/docs/specs/otlp/#otlphttp</remarks>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The endpoint to put in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Url { get; }

    /// <summary>Each request's signal (traces, metrics, logs), content type and body, in arrival order.</summary>
    public ConcurrentQueue<(string Signal, string? ContentType, byte[] Body)> Requests { get; } = new();

    /// <summary>Starts the receiver.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        OtlpReceiver? receiver = null;
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver!.Requests.Enqueue(((string)context.Request.RouteValues["signal"]!, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = (int)HttpStatusCode.OK;
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new OtlpReceiver(app, new Uri(address));
        return receiver;
    }

    /// <summary>The bodies received for <paramref name="signal"/>.</summary>
    public List<byte[]> Bodies(string signal) => Requests.Where(r => r.Signal == signal).Select(r => r.Body).ToList();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

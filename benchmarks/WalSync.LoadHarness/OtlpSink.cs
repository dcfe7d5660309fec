using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WalSync.LoadHarness;

/// <summary>
/// An OTLP/HTTP receiver that reads each export request to the end and answers 200 without decoding it, so that a run with
/// <c>--otlp</c> measures what exporting costs walsync, not what a collector costs.
/// </summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;

    private OtlpSink(WebApplication app) => _app = app;

    /// <summary>The endpoint for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Export requests received.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Bytes of export requests received.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The variables that make a walsync process export everything to this sink.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Url.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
    };

    /// <summary>Starts the sink on a free port of 127.0.0.1.</summary>
    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.Run(sink.HandleAsync);
        await app.StartAsync();
        sink.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return sink;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var buffer = new byte[16 * 1024];
        long read = 0;
        int count;
        while ((count = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            read += count;
        }
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytes, read);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

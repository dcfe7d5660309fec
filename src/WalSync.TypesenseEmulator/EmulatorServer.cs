using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator;

/// <summary>
/// An in-memory, Typesense-compatible HTTP server on Kestrel for tests and demos. It reproduces Typesense v29's
/// status codes, bodies and write semantics for collections, documents, import/export, delete by filter, a small
/// search and aliases; it is not a search engine. All data is lost on dispose.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    // Typesense accepts bodies up to 10 GiB and request lines plus headers up to 417,792 bytes (H2O limits).
    private const long MaxBodyBytes = 10L * 1024 * 1024 * 1024;
    private const int MaxRequestLineBytes = 417_792;

    private readonly WebApplication _app;

    private EmulatorServer(WebApplication app, Uri url, string apiKey, FaultInjector faults)
    {
        _app = app;
        Url = url;
        ApiKey = apiKey;
        Faults = faults;
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Url { get; }

    /// <summary>The API key the server accepts.</summary>
    public string ApiKey { get; }

    /// <summary>In-process fault control and request counters.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Starts a server and returns once it accepts connections.</summary>
    /// <exception cref="ArgumentException">The API key is empty.</exception>
    /// <exception cref="IOException">The port is in use.</exception>
    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ApiKey);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestLineBytes;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            Listen(kestrel, options.Host, options.Port);
        });
        var app = builder.Build();
        var faults = new FaultInjector();
        var pipeline = new RequestPipeline(new EmulatorStore(), faults, options.ApiKey);
        app.Run(pipeline.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return new EmulatorServer(app, url, options.ApiKey, faults);
    }

    /// <summary>Stops the server; requests held by a hang fault are released first.</summary>
    public async ValueTask DisposeAsync()
    {
        Faults.Clear();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string host, int port)
    {
        // Kestrel cannot pick a free port for "localhost" (two sockets): port 0 binds the IPv4 loopback only.
        if (host == "localhost" && port != 0)
        {
            kestrel.ListenLocalhost(port);
        }
        else
        {
            kestrel.Listen(host switch { "0.0.0.0" or "*" => IPAddress.Any, "localhost" => IPAddress.Loopback, _ => IPAddress.Parse(host) }, port);
        }
    }

    /// <summary>Whether <paramref name="host"/> is an address <see cref="EmulatorOptions.Host"/> can name: an IP address, <c>localhost</c> or <c>*</c>.</summary>
    internal static bool IsListenAddress(string? host) => host is "localhost" or "*" || IPAddress.TryParse(host, out _);
}

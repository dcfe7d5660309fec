using System.Net.Http.Headers;
using WalSync.TypesenseEmulator;

namespace WalSync.Benchmarks;

/// <summary>An emulator on a free loopback port and a client carrying its API key, for the import benchmarks.</summary>
public sealed class EmulatorBenchmarkHost : IAsyncDisposable
{
    private readonly EmulatorServer _server;

    private EmulatorBenchmarkHost(EmulatorServer server)
    {
        _server = server;
        Client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(10) };
        Client.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", server.ApiKey);
    }

    /// <summary>The client.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts an emulator.</summary>
    public static async Task<EmulatorBenchmarkHost> StartAsync() => new(await EmulatorServer.StartAsync(new EmulatorOptions()));

    /// <summary>Creates the products collection under <paramref name="name"/>.</summary>
    public async Task CreateProductsAsync(string name)
    {
        using var created = await Client.PostAsync(new Uri("/collections", UriKind.Relative), new StringContent(EmulatorImportBenchmark.Schema(name)));
        created.EnsureSuccessStatusCode();
    }

    /// <summary>Imports one JSONL body with <c>action=upsert</c>; returns the result lines.</summary>
    public async Task<string> ImportAsync(string collection, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await Client.PostAsync(new Uri($"/collections/{collection}/documents/import?action=upsert", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
    }
}

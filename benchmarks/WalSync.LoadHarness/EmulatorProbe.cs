using System.Text.Json;

namespace WalSync.LoadHarness;

/// <summary>Reads a collection's document count from a Typesense-compatible server (<c>GET /collections/:name</c>, <c>num_documents</c>).</summary>
internal sealed class EmulatorProbe : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a probe of the products collection at <paramref name="url"/>.</summary>
    public EmulatorProbe(Uri url, string apiKey)
    {
        _http = new HttpClient { BaseAddress = url };
        _http.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", apiKey);
    }

    /// <summary>The number of documents in the products collection (0 when it does not exist yet).</summary>
    public async Task<long> CountAsync()
    {
        using var response = await _http.GetAsync(new Uri("/collections/products", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.GetProperty("num_documents").GetInt64();
    }

    /// <summary>One count with a probe of its own.</summary>
    public static async Task<long> CountDocumentsAsync(Uri url, string apiKey)
    {
        using var probe = new EmulatorProbe(url, apiKey);
        return await probe.CountAsync();
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}

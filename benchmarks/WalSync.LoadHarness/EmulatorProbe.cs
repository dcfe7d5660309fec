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
    public Task<long> CountAsync() => CountAsync("products");

    /// <summary>The number of documents in <paramref name="collection"/> (0 when it does not exist yet).</summary>
    public async Task<long> CountAsync(string collection)
    {
        using var response = await _http.GetAsync(new Uri($"/collections/{collection}", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.GetProperty("num_documents").GetInt64();
    }

    /// <summary>The documents of <paramref name="collections"/> (the products collection when null), counted with a probe of its own.</summary>
    public static async Task<long> CountDocumentsAsync(Uri url, string apiKey, IEnumerable<string>? collections = null)
    {
        using var probe = new EmulatorProbe(url, apiKey);
        long count = 0;
        foreach (var collection in collections ?? ["products"])
        {
            count += await probe.CountAsync(collection);
        }
        return count;
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}

using System.Net.Http.Headers;
using System.Text;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>
/// HTTP helpers for the contract tests: a client with the API key, fresh uniquely named collections and aliases,
/// all dropped after each test.
/// </summary>
public abstract class ContractTestBase : IAsyncLifetime
{
    /// <summary>Schema fields of the products collection used by most tests.</summary>
    protected const string ProductFields = """
        [{"name":"title","type":"string"},{"name":"price","type":"float"},
         {"name":"count","type":"int32","optional":true},{"name":"tags","type":"string[]","optional":true},
         {"name":"active","type":"bool","optional":true},{"name":"updated_at","type":"int64","optional":true}]
        """;

    private readonly List<string> _collections = [];
    private readonly List<string> _aliases = [];

    /// <summary>Creates the helpers for one server.</summary>
    protected ContractTestBase(ITypesenseEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        Client = new HttpClient { BaseAddress = endpoint.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The server under test.</summary>
    protected ITypesenseEndpoint Endpoint { get; }

    /// <summary>A client without default headers.</summary>
    protected HttpClient Client { get; }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var alias in _aliases)
        {
            await SendAsync(HttpMethod.Delete, $"/aliases/{alias}");
        }

        foreach (var name in _collections)
        {
            await SendAsync(HttpMethod.Delete, $"/collections/{name}");
        }

        Client.Dispose();
    }

    /// <summary>A new unique name, dropped (as collection and as alias) after the test.</summary>
    protected string NewName()
    {
        var name = "walsync_contract_" + Guid.NewGuid().ToString("N")[..12];
        _collections.Add(name);
        _aliases.Add(name);
        return name;
    }

    /// <summary>Creates a collection with <see cref="ProductFields"/>; returns its name.</summary>
    protected async Task<string> CreateProductsAsync()
    {
        var name = NewName();
        var reply = await SendAsync(HttpMethod.Post, "/collections", $$"""{"name":"{{name}}","fields":{{ProductFields}}}""");
        Assert.Equal(201, reply.Status);
        return name;
    }

    /// <summary>Imports a JSONL body into a collection.</summary>
    protected Task<Reply> ImportAsync(string collection, string jsonl, string query = "action=upsert") =>
        SendAsync(HttpMethod.Post, $"/collections/{collection}/documents/import?{query}", jsonl);

    /// <summary>Sends a request with the API key header, unless <paramref name="apiKey"/> says otherwise ("" = none).</summary>
    protected Task<Reply> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? apiKey = null, string header = "X-TYPESENSE-API-KEY") =>
        SendBytesAsync(method, pathAndQuery, body is null ? null : Encoding.UTF8.GetBytes(body), apiKey, header);

    /// <summary>Sends a request with a raw body.</summary>
    protected async Task<Reply> SendBytesAsync(HttpMethod method, string pathAndQuery, byte[]? body, string? apiKey = null, string header = "X-TYPESENSE-API-KEY")
    {
        using var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative));
        var key = apiKey ?? Endpoint.ApiKey;
        if (key.Length > 0)
        {
            request.Headers.TryAddWithoutValidation(header, key);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var contentType = response.Content.Headers.TryGetValues("Content-Type", out var values) ? string.Join(",", values) : string.Empty;
        return new Reply((int)response.StatusCode, contentType, text);
    }
}

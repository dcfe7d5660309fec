using System.Text;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Import bodies larger than one network read: lines split across reads must not be lost or doubled.</summary>
public sealed class EmulatorImportStreamingTests : IAsyncLifetime
{
    private EmulatorServer _server = null!;
    private HttpClient _client = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions());
        _client = KeyedClient(_server);
        using var created = await _client.PostAsync(
            new Uri("/collections", UriKind.Relative),
            new StringContent("""{"name":"big","fields":[{"name":"n","type":"int64"},{"name":"text","type":"string"}]}"""));
        Assert.Equal(201, (int)created.StatusCode);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Import_20000VariedLines_OneResultEachAndAllStored()
    {
        const int Count = 20_000;
        var body = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            body.Append(Line(i)).Append('\n');
        }

        using var response = await _client.PostAsync(
            new Uri("/collections/big/documents/import?action=create&return_id=true", UriKind.Relative),
            new StringContent(body.ToString(), Encoding.UTF8, "text/plain"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        var collection = await _client.GetStringAsync(new Uri("/collections/big", UriKind.Relative));
        var last = await _client.GetStringAsync(new Uri($"/collections/big/documents/d{Count - 1}", UriKind.Relative));

        Assert.Equal(Count, lines.Length);
        Assert.All(lines.Select((line, i) => (line, i)), pair => Assert.Equal($"{{\"id\":\"d{pair.i}\",\"success\":true}}", pair.line));
        Assert.Contains($"\"num_documents\":{Count}", collection, StringComparison.Ordinal);
        Assert.Equal(Line(Count - 1), last);
    }

    private static HttpClient KeyedClient(EmulatorServer server)
    {
        var client = new HttpClient { BaseAddress = server.Url };
        client.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", server.ApiKey);
        return client;
    }

    // Keys already in byte order, so the stored form equals the input line.
    private static string Line(int i) =>
        $$"""{"id":"d{{i}}","n":{{i}},"text":"{{new string('x', i % 300)}}"}""";
}

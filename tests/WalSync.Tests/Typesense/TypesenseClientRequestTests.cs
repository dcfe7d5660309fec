using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Typesense;

/// <summary>What goes on the wire: key placement, content type, encoding, and the import concurrency bound.</summary>
public sealed class TypesenseClientRequestTests : IAsyncLifetime
{
    private EmulatorServer _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [Fact]
    public async Task ImportAsync_Request_KeyInHeaderOnlyTextPlainBodyEncodedPath()
    {
        var recorder = new RecordingHandler();
        using var client = new TypesenseClient(TestOptions.For(_emulator.ApiKey, _emulator.Url.ToString()), new CapturingLogger<TypesenseClient>(), null, recorder);
        var collection = TypesenseTestData.NewCollectionName() + "/a+b c";
        await client.CreateCollectionAsync(TypesenseTestData.Products(collection), CancellationToken.None);

        var results = await client.ImportAsync(collection, TypesenseTestData.ProductLines(["x"]), ImportAction.Emplace, CancellationToken.None);

        var import = recorder.Requests.Single(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath.EndsWith("/import", StringComparison.Ordinal));
        Assert.True(results[0].Success);
        Assert.Equal($"/collections/{collection.Replace("/", "%2F", StringComparison.Ordinal).Replace("+", "%2B", StringComparison.Ordinal).Replace(" ", "%20", StringComparison.Ordinal)}/documents/import?action=emplace", import.Uri.PathAndQuery);
        Assert.Equal("text/plain", import.Headers["Content-Type"]);
        Assert.Equal(_emulator.ApiKey, import.Headers["X-TYPESENSE-API-KEY"]);
        Assert.All(recorder.Requests, r => Assert.DoesNotContain(_emulator.ApiKey, r.Uri.ToString(), StringComparison.Ordinal));
    }
}

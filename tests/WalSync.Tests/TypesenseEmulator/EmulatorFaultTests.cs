using System.Diagnostics;
using System.Text;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Injected faults over HTTP: what a client of the emulator sees.</summary>
public sealed class EmulatorFaultTests : IAsyncLifetime
{
    private const string NotReady = "{ \"message\": \"Not Ready or Lagging\"}";
    private const string Document = """{"id":"a","title":"A"}""";
    private EmulatorServer _server = null!;
    private HttpClient _client = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions());
        _client = Client(TimeSpan.FromSeconds(30));
        var created = await PostAsync(_client, "/collections", """{"name":"c","fields":[{"name":"title","type":"string"}]}""");
        Assert.Equal(201, (int)created.StatusCode);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task FailNextWrites_ServiceUnavailable_Answers503ThenRecoversWhileReadsAndHealthPass()
    {
        _server.Faults.FailNextWrites(1, FaultKind.ServiceUnavailable);

        var health = await _client.GetAsync(new Uri("/health", UriKind.Relative));
        var read = await _client.GetAsync(new Uri("/collections/c", UriKind.Relative));
        var faulted = await ImportAsync(_client);
        var next = await ImportAsync(_client);

        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal(200, (int)read.StatusCode);
        Assert.Equal(503, (int)faulted.StatusCode);
        Assert.Equal(NotReady, await faulted.Content.ReadAsStringAsync());
        Assert.Equal("{\"success\":true}", await next.Content.ReadAsStringAsync());
        Assert.Equal(1, _server.Faults.FaultsServedOf(FaultKind.ServiceUnavailable));
        Assert.Equal(2, _server.Faults.RequestsReceived(RouteKind.DocumentImport));
    }

    [Fact]
    public async Task FailNextWrites_InternalError_Answers500()
    {
        _server.Faults.FailNextWrites(1, FaultKind.InternalError);

        var faulted = await ImportAsync(_client);

        Assert.Equal(500, (int)faulted.StatusCode);
        Assert.Equal("{\"message\": \"Internal Server Error\"}", await faulted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FailNextWrites_DropConnection_ClientGetsNoResponse()
    {
        _server.Faults.FailNextWrites(1, FaultKind.DropConnection);

        await Assert.ThrowsAsync<HttpRequestException>(() => ImportAsync(_client));
        var next = await ImportAsync(_client);

        Assert.Equal(200, (int)next.StatusCode);
    }

    [Fact]
    public async Task FailNextWrites_Hang_HoldsUntilClientTimesOut()
    {
        using var impatient = Client(TimeSpan.FromMilliseconds(300));
        _server.Faults.FailNextWrites(1, FaultKind.Hang);

        await Assert.ThrowsAsync<TaskCanceledException>(() => ImportAsync(impatient));

        Assert.Equal(1, _server.Faults.FaultsServedOf(FaultKind.Hang));
    }

    [Fact]
    public async Task FailNextWrites_HangThenClear_RequestIsServed()
    {
        _server.Faults.FailNextWrites(1, FaultKind.Hang);

        var pending = ImportAsync(_client);
        await WaitUntilAsync(() => _server.Faults.FaultsServedOf(FaultKind.Hang) == 1);
        Assert.False(pending.IsCompleted);
        _server.Faults.Clear();
        var response = await pending;

        Assert.Equal("{\"success\":true}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SetDelay_EveryRequest_TakesAtLeastTheDelay()
    {
        _server.Faults.SetDelay(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();

        var response = await _client.GetAsync(new Uri("/collections/c", UriKind.Relative));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task SetHealthy_False_HealthAndGatedRequestsAnswer503BeforeAuth()
    {
        _server.Faults.SetHealthy(false);
        using var noKey = new HttpClient { BaseAddress = _server.Url };

        var health = await noKey.GetAsync(new Uri("/health", UriKind.Relative));
        var unauthenticated = await noKey.GetAsync(new Uri("/collections", UriKind.Relative));

        Assert.Equal(503, (int)health.StatusCode);
        Assert.Equal("{\"ok\":false}", await health.Content.ReadAsStringAsync());
        Assert.Equal(503, (int)unauthenticated.StatusCode);
        Assert.Equal(NotReady, await unauthenticated.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ControlEndpoint_PostFaultReadCountersClear_Works()
    {
        using var noKey = new HttpClient { BaseAddress = _server.Url };

        var unauthorised = await PostAsync(noKey, "/_emulator/faults", """{"kind":"internal_error"}""");
        var set = await PostAsync(_client, "/_emulator/faults", """{"kind":"service_unavailable","scope":"writes","count":5,"route":"DocumentImport"}""");
        var faulted = await ImportAsync(_client);
        var counters = await _client.GetStringAsync(new Uri("/_emulator/faults", UriKind.Relative));
        var cleared = await _client.DeleteAsync(new Uri("/_emulator/faults", UriKind.Relative));
        var next = await ImportAsync(_client);

        Assert.Equal(401, (int)unauthorised.StatusCode);
        Assert.Equal(200, (int)set.StatusCode);
        Assert.Equal(503, (int)faulted.StatusCode);
        Assert.Contains("\"faults_served\":1", counters, StringComparison.Ordinal);
        Assert.Contains("\"DocumentImport\":1", counters, StringComparison.Ordinal);
        Assert.Equal(200, (int)cleared.StatusCode);
        Assert.Equal(200, (int)next.StatusCode);
    }

    [Fact]
    public async Task ControlEndpoint_BadValues_Returns400()
    {
        var unknownKind = await PostAsync(_client, "/_emulator/faults", """{"kind":"meteor"}""");
        var badCount = await PostAsync(_client, "/_emulator/faults", """{"kind":"hang","count":"many"}""");

        Assert.Equal(400, (int)unknownKind.StatusCode);
        Assert.Equal(400, (int)badCount.StatusCode);
        Assert.Equal(0, _server.Faults.FaultsServed);
    }

    private HttpClient Client(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = _server.Url, Timeout = timeout };
        client.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", _server.ApiKey);
        return client;
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client) =>
        PostAsync(client, "/collections/c/documents/import?action=upsert", Document);

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string body) =>
        client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "text/plain"));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

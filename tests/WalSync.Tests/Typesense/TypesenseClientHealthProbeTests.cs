using WalSync.Tests.Infrastructure;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Typesense;

/// <summary>
/// An import that gets no answer: while it waits, the node's <c>GET /health</c> is asked after each
/// <c>ConnectionTimeout</c>. A node that does not answer that either is abandoned early and the import retried on the
/// next node; a node that answers its health check keeps the import for its whole <c>ImportTimeout</c>.
/// </summary>
public sealed class TypesenseClientHealthProbeTests : IAsyncLifetime
{
    private const int HealthProbeFailed = 3005;
    private EmulatorServer _hung = null!;
    private EmulatorServer _healthy = null!;
    private string _collection = null!;

    public async Task InitializeAsync()
    {
        _hung = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = "probe-key" });
        _healthy = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = "probe-key" });
        _collection = TypesenseTestData.NewCollectionName();
        foreach (var server in new[] { _hung, _healthy })
        {
            using var client = new TypesenseClient(TestOptions.For("probe-key", server.Url.ToString()), new CapturingLogger<TypesenseClient>());
            await client.CreateCollectionAsync(TypesenseTestData.Products(_collection), CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        _hung.Faults.Clear();
        await _hung.DisposeAsync();
        await _healthy.DisposeAsync();
    }

    [Fact]
    public async Task ImportAsync_NodeHangsWithItsHealthCheck_AbandonedAfterTheProbeAndRetriedOnTheNextNode()
    {
        var options = TestOptions.For("probe-key", _hung.Url.ToString(), _healthy.Url.ToString());
        options.ConnectionTimeout = TimeSpan.FromSeconds(1);
        options.ImportTimeout = TimeSpan.FromMinutes(10);
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log);
        _hung.Faults.FailNext(1, FaultKind.Hang, FaultScope.AllRequests, RouteKind.DocumentImport);
        _hung.Faults.FailNext(100, FaultKind.Hang, FaultScope.AllRequests, RouteKind.Health);

        // Without the probe the import would wait its 10 minutes; a minute is the test's bound, not a pause.
        var results = await client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a", "b"]), ImportAction.Upsert, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(1));

        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(1, _hung.Faults.RequestsReceived(RouteKind.DocumentImport));
        Assert.True(_hung.Faults.RequestsReceived(RouteKind.Health) >= 1);
        Assert.Equal(1, _healthy.Faults.RequestsReceived(RouteKind.DocumentImport));
        Assert.Equal(["a", "b"], (await TypesenseTestData.StoredIdsAsync(client, _collection)).Order());
        Assert.Equal(1, log.Count(HealthProbeFailed));
        Assert.Contains(log.Entries, e => e.Message.Contains($"{_hung.Url.Authority} has not answered a request, nor GET /health within 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ImportAsync_SlowNodeThatAnswersItsHealthCheck_KeepsWaitingForTheImport()
    {
        var options = TestOptions.For("probe-key", _hung.Url.ToString(), _healthy.Url.ToString());
        options.ConnectionTimeout = TimeSpan.FromMilliseconds(300);
        options.ImportTimeout = TimeSpan.FromMinutes(10);
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log);
        _hung.Faults.FailNext(1, FaultKind.Hang, FaultScope.AllRequests, RouteKind.DocumentImport);

        var import = client.ImportAsync(_collection, TypesenseTestData.ProductLines(["c"]), ImportAction.Upsert, CancellationToken.None);
        // Three probes answered: three times the connection timeout passed while the import waited on the first node.
        await Eventually.HoldsAsync(() => Task.FromResult(_hung.Faults.RequestsReceived(RouteKind.Health) >= 3), TimeSpan.FromSeconds(30),
            "three health probes while the import waits");

        Assert.False(import.IsCompleted);
        _hung.Faults.Clear();
        var results = await import.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(results[0].Success);
        Assert.Equal(1, _hung.Faults.RequestsReceived(RouteKind.DocumentImport));
        Assert.Equal(0, _healthy.Faults.RequestsReceived(RouteKind.DocumentImport));
        Assert.Equal(0, log.Count(HealthProbeFailed));
    }
}

using Microsoft.Extensions.Time.Testing;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Typesense;

/// <summary>Node failover: a node that fails is skipped for the healthcheck interval, then tried again.</summary>
public sealed class TypesenseClientFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private EmulatorServer _good = null!;
    private EmulatorServer _lagging = null!;
    private string _collection = null!;

    public async Task InitializeAsync()
    {
        _good = await EmulatorServer.StartAsync(new EmulatorOptions());
        _lagging = await EmulatorServer.StartAsync(new EmulatorOptions());
        _lagging.Faults.SetHealthy(false);
        _collection = TypesenseTestData.NewCollectionName();
        using var client = new TypesenseClient(TestOptions.For(_good.ApiKey, _good.Url.ToString()), new CapturingLogger<TypesenseClient>());
        await client.CreateCollectionAsync(TypesenseTestData.Products(_collection), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _good.DisposeAsync();
        await _lagging.DisposeAsync();
    }

    [Fact]
    public async Task Requests_OneNodeClosedPort_SucceedThroughOtherAndSkipBadNodeForInterval() =>
        await AssertFailoverAsync(new Uri(TestOptions.ClosedPortUrl()));

    [Fact]
    public async Task Requests_OneNodeAnswers503_SucceedThroughOtherAndSkipBadNodeForInterval() =>
        await AssertFailoverAsync(_lagging.Url);

    [Fact]
    public async Task Requests_OnlyNodeAnswers503_RetriedWithoutSayingItIsSkipped()
    {
        var recorder = new RecordingHandler();
        var options = TestOptions.For(_lagging.ApiKey, _lagging.Url.ToString());
        options.RetryInitialDelay = TimeSpan.Zero;
        options.RetryMaxDelay = TimeSpan.Zero;
        options.MaxRetries = 2;
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log, new FakeTimeProvider(), recorder);

        await Assert.ThrowsAsync<TypesenseException>(() => client.GetCollectionAsync(_collection, CancellationToken.None));

        Assert.Equal(3, recorder.CountTo(_lagging.Url));
        Assert.Equal(2, log.Count(3001));
        Assert.Equal(0, log.Count(3002));
    }

    [Fact]
    public async Task Requests_NearestNodeHealthy_AllGoThere()
    {
        var recorder = new RecordingHandler();
        var options = TestOptions.For(_good.ApiKey, _lagging.Url.ToString());
        options.NearestNode = _good.Url.ToString();
        using var client = new TypesenseClient(options, new CapturingLogger<TypesenseClient>(), null, recorder);

        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await client.GetCollectionAsync(_collection, CancellationToken.None));
        }

        Assert.Equal(5, recorder.CountTo(_good.Url));
        Assert.Equal(0, recorder.CountTo(_lagging.Url));
    }

    private async Task AssertFailoverAsync(Uri bad)
    {
        var time = new FakeTimeProvider();
        var recorder = new RecordingHandler();
        var options = TestOptions.For(_good.ApiKey, bad.ToString(), _good.Url.ToString());
        options.HealthcheckInterval = Interval;
        options.RetryInitialDelay = TimeSpan.Zero; // the fake clock would hold any delay
        options.RetryMaxDelay = TimeSpan.Zero;
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log, time, recorder);

        for (var i = 0; i < 6; i++)
        {
            await client.ImportAsync(_collection, TypesenseTestData.ProductLines([$"doc{i}"]), ImportAction.Upsert, CancellationToken.None);
            Assert.NotNull(await client.GetCollectionAsync(_collection, CancellationToken.None));
        }

        var badDuringInterval = recorder.CountTo(bad);
        time.Advance(Interval);
        await client.GetCollectionAsync(_collection, CancellationToken.None);
        await client.GetCollectionAsync(_collection, CancellationToken.None);

        Assert.Equal(1, badDuringInterval);
        Assert.Equal(2, recorder.CountTo(bad));
        Assert.Equal(2, log.Count(3002)); // marked unhealthy once, and again after its retry
        Assert.Equal(6, (await TypesenseTestData.StoredIdsAsync(client, _collection)).Count);
    }
}

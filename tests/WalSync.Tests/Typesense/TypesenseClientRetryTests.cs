using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Typesense;

/// <summary>Retries against an emulator with injected faults; each test gets its own emulator.</summary>
public sealed class TypesenseClientRetryTests : IAsyncLifetime
{
    private const int RetryScheduled = 3001;
    private EmulatorServer _emulator = null!;
    private string _collection = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        _collection = TypesenseTestData.NewCollectionName();
        using var client = NewClient(_emulator.ApiKey, new CapturingLogger<TypesenseClient>());
        await client.CreateCollectionAsync(TypesenseTestData.Products(_collection), CancellationToken.None);
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [Theory]
    [InlineData(FaultKind.ServiceUnavailable, "503")]
    [InlineData(FaultKind.InternalError, "500")]
    [InlineData(FaultKind.DropConnection, "no response")]
    public async Task ImportAsync_TransientFaults_RetriedUntilSuccess(FaultKind fault, string status)
    {
        var log = new CapturingLogger<TypesenseClient>();
        using var client = NewClient(_emulator.ApiKey, log);
        _emulator.Faults.FailNextWrites(3, fault);

        var results = await client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a", "b"]), ImportAction.Upsert, CancellationToken.None);

        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(3, _emulator.Faults.FaultsServedOf(fault));
        var retries = log.Entries.Where(e => e.EventId == RetryScheduled).Select(e => e.Message).ToList();
        Assert.Equal(3, retries.Count);
        Assert.All(retries, m => Assert.Contains($"({status}", m, StringComparison.Ordinal));
        Assert.Contains("attempt 3", retries[2], StringComparison.Ordinal);
        Assert.Equal(["a", "b"], (await TypesenseTestData.StoredIdsAsync(client, _collection)).Order());
    }

    [Fact]
    public async Task ImportAsync_HangingRequests_TimeOutAndRetry()
    {
        var log = new CapturingLogger<TypesenseClient>();
        var options = TestOptions.For(_emulator.ApiKey, _emulator.Url.ToString());
        options.ImportTimeout = TimeSpan.FromMilliseconds(300);
        using var client = new TypesenseClient(options, log);
        _emulator.Faults.FailNextWrites(2, FaultKind.Hang);

        var results = await client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None);

        Assert.True(results[0].Success);
        Assert.Equal(2, _emulator.Faults.FaultsServedOf(FaultKind.Hang));
        Assert.Equal(2, log.Entries.Count(e => e.EventId == RetryScheduled && e.Message.Contains("timed out after 0.3 s", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ImportAsync_WrongApiKey_Throws401OnceWithoutTheKey()
    {
        const string wrongKey = "wrong-secret-7f3a9c";
        var log = new CapturingLogger<TypesenseClient>();
        using var client = NewClient(wrongKey, log);
        var before = _emulator.Faults.RequestsReceived(RouteKind.DocumentImport);

        var ex = await Assert.ThrowsAsync<TypesenseException>(() =>
            client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None));

        Assert.Equal(401, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Equal(1, _emulator.Faults.RequestsReceived(RouteKind.DocumentImport) - before);
        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.Contains("x-typesense-api-key", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_emulator.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, ex.ToString(), StringComparison.Ordinal);
        Assert.All(log.Entries, e => Assert.DoesNotContain(wrongKey, e.Message, StringComparison.Ordinal));
        Assert.Equal(0, log.Count(RetryScheduled));
    }

    [Fact]
    public async Task ImportAsync_FaultOutlastsMaxRetries_ThrowsLastTransientFailure()
    {
        var options = TestOptions.For(_emulator.ApiKey, _emulator.Url.ToString());
        options.MaxRetries = 2;
        using var client = new TypesenseClient(options, new CapturingLogger<TypesenseClient>());
        _emulator.Faults.FailNextWrites(5, FaultKind.ServiceUnavailable);

        var ex = await Assert.ThrowsAsync<TypesenseException>(() =>
            client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None));

        Assert.Equal(503, ex.StatusCode);
        Assert.True(ex.IsTransient);
        Assert.Equal("Not Ready or Lagging", ex.TypesenseMessage);
        Assert.Equal(3, _emulator.Faults.FaultsServedOf(FaultKind.ServiceUnavailable));
    }

    [Fact]
    public async Task ImportAsync_MaxRetriesNull_KeepsRetryingUntilFaultClears()
    {
        var options = TestOptions.For(_emulator.ApiKey, _emulator.Url.ToString());
        options.MaxRetries = null;
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(10);
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log);
        _emulator.Faults.FailWritesFor(TimeSpan.FromHours(1), FaultKind.ServiceUnavailable);

        var import = client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None);
        await WaitUntilAsync(() => _emulator.Faults.FaultsServedOf(FaultKind.ServiceUnavailable) >= 20);
        Assert.False(import.IsCompleted);
        _emulator.Faults.Clear();
        var results = await import;

        Assert.True(results[0].Success);
        Assert.True(log.Count(RetryScheduled) >= 20);
        Assert.Equal(_emulator.Faults.FaultsServedOf(FaultKind.ServiceUnavailable), log.Count(RetryScheduled));
    }

    [Fact]
    public async Task ImportAsync_LongBackoff_JitteredDelaysReachTheCapOnTheTimeProvider()
    {
        var time = new TimerRecordingTimeProvider();
        var options = TestOptions.For(_emulator.ApiKey, _emulator.Url.ToString());
        options.MaxRetries = null;
        options.RetryInitialDelay = TimeSpan.FromSeconds(1);
        options.RetryMaxDelay = TimeSpan.FromSeconds(8);
        options.ImportTimeout = TimeSpan.FromHours(1);
        // As long as the import timeout: no health probe of a waiting import puts a timer of its own on the clock.
        options.ConnectionTimeout = TimeSpan.FromHours(1);
        var log = new CapturingLogger<TypesenseClient>();
        using var client = new TypesenseClient(options, log, time);
        _emulator.Faults.FailNextWrites(8, FaultKind.ServiceUnavailable);
        var clock = Stopwatch.StartNew();

        var import = client.ImportAsync(_collection, TypesenseTestData.ProductLines(["a"]), ImportAction.Upsert, CancellationToken.None);
        var delays = new List<double>();
        for (var retry = 0; retry < 8; retry++)
        {
            var due = await time.NextTimerAsync(within: TimeSpan.FromMinutes(1), timeout: TimeSpan.FromSeconds(10));
            delays.Add(due.TotalSeconds);
            time.Advance(due);
        }

        var results = await import;

        // Polly's exponential backoff with jitter: random around 1 s × 2^retry, never above the cap, which the later
        // retries (nominally 16 s to 128 s) reach.
        Assert.True(results[0].Success);
        Assert.All(delays, d => Assert.InRange(d, 0.0001, 8));
        Assert.Equal(8, delays.Max());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{delays.Sum():F0} s of backoff took {clock.Elapsed} of real time");
        Assert.Equal(8, log.Count(RetryScheduled));
    }

    private TypesenseClient NewClient(string apiKey, CapturingLogger<TypesenseClient> log) =>
        new(TestOptions.For(apiKey, _emulator.Url.ToString()), log);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after 10 s.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// The package's fake clock, telling the test each timer created on it, so the test advances past a backoff only
    /// once the client has scheduled it (a timer created after an advance would wait for the next one).
    /// </summary>
    private sealed class TimerRecordingTimeProvider : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _created.Writer.TryWrite(dueTime);
            return timer;
        }

        /// <summary>Waits (real time, bounded) for the next timer created with a finite due time up to <paramref name="within"/>, and returns that due time.</summary>
        public async Task<TimeSpan> NextTimerAsync(TimeSpan within, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var due = await _created.Reader.ReadAsync(cts.Token);
                if (due >= TimeSpan.Zero && due <= within)
                {
                    return due;
                }
            }
        }
    }
}

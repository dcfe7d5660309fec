using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using WalSync.TypesenseEmulator;

namespace WalSync.Benchmarks;

/// <summary>
/// One operation imports 1,000,000 products-shaped documents into a fresh collection, in 200 sequential
/// <c>action=upsert</c> batches of 5,000 over HTTP on loopback, then drops the collection. Documents per second =
/// 1,000,000 / mean. Unlike <see cref="EmulatorImportBenchmark"/> this includes the cost of a growing collection.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class EmulatorMillionImportBenchmark : IDisposable
{
    private const int BatchSize = 5_000;
    private const int Batches = 200;

    private readonly List<byte[]> _bodies = [];
    private EmulatorServer? _server;
    private HttpClient? _client;
    private int _run;

    /// <summary>Starts the emulator and builds the 1,000,000 documents.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions());
        _client = new HttpClient { BaseAddress = _server.Url, Timeout = TimeSpan.FromMinutes(10) };
        _client.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", _server.ApiKey);
        var random = new Random(7);
        for (var b = 0; b < Batches; b++)
        {
            _bodies.Add(EmulatorImportBenchmark.ProductBatch(random, BatchSize));
        }
    }

    /// <summary>Stops the emulator.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _client?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates a collection, imports all batches, drops the collection.</summary>
    [Benchmark]
    public async Task<int> ImportOneMillion()
    {
        var name = $"products_{_run++}";
        using (var created = await _client!.PostAsync(new Uri("/collections", UriKind.Relative), new StringContent(EmulatorImportBenchmark.Schema(name))))
        {
            created.EnsureSuccessStatusCode();
        }

        foreach (var body in _bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            using var response = await _client.PostAsync(new Uri($"/collections/{name}/documents/import?action=upsert", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
        }

        using var dropped = await _client.DeleteAsync(new Uri($"/collections/{name}", UriKind.Relative));
        dropped.EnsureSuccessStatusCode();
        return BatchSize * Batches;
    }
}

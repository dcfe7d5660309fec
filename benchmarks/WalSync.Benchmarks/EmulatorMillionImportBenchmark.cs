using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace WalSync.Benchmarks;

/// <summary>
/// One operation imports 1,000,000 products-shaped documents into a fresh collection, in 200 sequential
/// <c>action=upsert</c> batches of 5,000 over HTTP on loopback, then drops the collection. Documents per second =
/// 1,000,000 / mean. Unlike <see cref="EmulatorImportBenchmark"/> this includes the cost of a growing collection.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class EmulatorMillionImportBenchmark
{
    private const int BatchSize = 5_000;
    private const int Batches = 200;

    private readonly List<byte[]> _bodies = [];
    private EmulatorBenchmarkHost? _host;
    private int _run;

    /// <summary>Starts the emulator and builds the 1,000,000 documents.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EmulatorBenchmarkHost.StartAsync();
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
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Creates a collection, imports all batches, drops the collection.</summary>
    [Benchmark]
    public async Task<int> ImportOneMillion()
    {
        var name = $"products_{_run++}";
        await _host!.CreateProductsAsync(name);
        foreach (var body in _bodies)
        {
            await _host.ImportAsync(name, body);
        }

        using var dropped = await _host.Client.DeleteAsync(new Uri($"/collections/{name}", UriKind.Relative));
        dropped.EnsureSuccessStatusCode();
        return BatchSize * Batches;
    }
}

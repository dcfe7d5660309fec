using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace WalSync.Benchmarks;

/// <summary>
/// Import throughput of the Typesense emulator over HTTP on loopback: one operation is one
/// <c>action=upsert</c> import of 5,000 products-shaped documents (uuid id, name, ~200-char description, float
/// price, int64 updated_at, string user_id). Documents per second = 5,000 / mean.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MemoryDiagnoser]
public class EmulatorImportBenchmark
{
    private const int BatchSize = 5_000;
    private const int Batches = 40;

    private readonly List<byte[]> _bodies = [];
    private EmulatorBenchmarkHost? _host;
    private int _next;

    /// <summary>Starts the emulator, creates the collection and builds 200,000 distinct documents.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EmulatorBenchmarkHost.StartAsync();
        await _host.CreateProductsAsync("products");
        var random = new Random(42);
        for (var b = 0; b < Batches; b++)
        {
            _bodies.Add(ProductBatch(random, BatchSize));
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

    /// <summary>Imports one batch of 5,000 documents and checks every result line.</summary>
    [Benchmark]
    public async Task<int> ImportBatchOf5000()
    {
        var text = await _host!.ImportAsync("products", _bodies[_next++ % _bodies.Count]);
        var failures = text.Split('\n').Count(line => !line.Equals("{\"success\":true}", StringComparison.Ordinal));
        return failures == 0 ? BatchSize : throw new InvalidOperationException($"{failures} import lines failed");
    }

    /// <summary>The products collection schema under <paramref name="name"/>.</summary>
    public static string Schema(string name) => $$"""
        {"name":"{{name}}","fields":[{"name":"product_name","type":"string"},{"name":"description","type":"string"},
        {"name":"price","type":"float"},{"name":"updated_at","type":"int64"},{"name":"user_id","type":"string"}]}
        """;

    /// <summary>A JSONL body of <paramref name="count"/> products-shaped documents.</summary>
    public static byte[] ProductBatch(Random random, int count)
    {
        var body = new StringBuilder(count * 400);
        for (var i = 0; i < count; i++)
        {
            var price = (random.Next(100, 100_000) / 100.0).ToString(CultureInfo.InvariantCulture);
            body.Append(CultureInfo.InvariantCulture, $$"""{"id":"{{Guid.NewGuid()}}","product_name":"Product {{random.Next()}}","description":"{{Description(random)}}","price":{{price}},"updated_at":{{1_700_000_000 + random.Next(0, 10_000_000)}},"user_id":"user-{{random.Next(0, 5000)}}"}""");
            body.Append('\n');
        }

        return Encoding.UTF8.GetBytes(body.ToString());
    }

    private static string Description(Random random)
    {
        string[] words = ["durable", "compact", "wireless", "steel", "organic", "premium", "portable", "classic", "smart", "eco"];
        var text = new StringBuilder(210);
        while (text.Length < 200)
        {
            text.Append(words[random.Next(words.Length)]).Append(' ');
        }

        return text.ToString(0, 200);
    }
}

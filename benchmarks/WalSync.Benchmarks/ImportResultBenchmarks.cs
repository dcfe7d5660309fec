using System.Text;
using BenchmarkDotNet.Attributes;
using WalSync.Typesense;

namespace WalSync.Benchmarks;

/// <summary>Parsing an import response of one result line per document: all stored, or one in a hundred rejected.</summary>
[MemoryDiagnoser]
public class ImportResultBenchmarks
{
    private const int Lines = 5000;
    private byte[] _body = [];

    /// <summary>True when one line in a hundred is a rejection with an error message.</summary>
    [Params(false, true)]
    public bool WithErrors { get; set; }

    /// <summary>Makes the response body.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var lines = Enumerable.Range(0, Lines).Select(i => WithErrors && i % 100 == 99
            ? "{\"code\":400,\"document\":\"{\\\"id\\\":\\\"" + i + "\\\",\\\"price\\\":\\\"x\\\"}\",\"error\":\"Field `price` must be a float.\",\"success\":false}"
            : "{\"success\":true}");
        _body = Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    /// <summary>Parses the body into per-line results.</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public int Parse() => ImportResultParser.Parse(_body, Lines).Count;
}

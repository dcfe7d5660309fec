using System.Buffers;
using BenchmarkDotNet.Attributes;
using WalSync.Replication;

namespace WalSync.Benchmarks;

/// <summary>
/// Mapping and serialising: a decoded row to its import line (<c>DocumentMapper.WriteDocument</c>), and the whole
/// per-row path from value bytes to import line.
/// </summary>
[MemoryDiagnoser]
public class SerialiseBenchmarks
{
    private const int Rows = 1000;
    private readonly ArrayBufferWriter<byte> _output = new(Rows * 1024);
    private RowImage[] _rows = [];
    private byte[][] _messages = [];
    private PgOutputDecoder _decoder = new();

    /// <summary>The row shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowShape Shape { get; set; } = RowShape.Products;

    /// <summary>The shapes measured.</summary>
    public static IEnumerable<RowShape> Shapes => RowShape.All;

    /// <summary>Makes the rows and checks that they map.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rows = [.. Enumerable.Range(0, Rows).Select(Shape.Row)];
        _messages = [.. Enumerable.Range(0, Rows).Select(i => PgOutputMessages.Insert(Shape, i))];
        _decoder = DecodeBenchmarks.NewDecoder(Shape);
        var result = Shape.Mapper.WriteDocument(_rows[0], _output, partial: false);
        if (!result.Success)
        {
            throw new InvalidOperationException($"The {Shape} row does not map: {result.Error}");
        }
    }

    /// <summary>Writes every row as an import line.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int Serialise()
    {
        _output.ResetWrittenCount();
        var mapper = Shape.Mapper;
        foreach (var row in _rows)
        {
            mapper.WriteDocument(row, _output, partial: false);
        }
        return _output.WrittenCount;
    }

    /// <summary>Decodes each row from its Insert message, then writes it as an import line: the per-row path of a
    /// change from the wire to the import body, without batching.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int DecodeAndSerialise()
    {
        _output.ResetWrittenCount();
        var mapper = Shape.Mapper;
        foreach (var message in _messages)
        {
            mapper.WriteDocument(DecodeBenchmarks.DecodeRow(_decoder, message), _output, partial: false);
        }
        return _output.WrittenCount;
    }
}

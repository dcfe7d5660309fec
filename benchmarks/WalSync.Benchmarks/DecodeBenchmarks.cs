using BenchmarkDotNet.Attributes;
using WalSync.Replication;

namespace WalSync.Benchmarks;

/// <summary>
/// Decoding: a row's values, as they sit in Npgsql's read buffer, copied into a <see cref="RowImage"/> the way
/// ReplicationReader does it (one span per value, one array per row). Npgsql's message classes cannot be built
/// offline, so Npgsql's own parsing is measured by the load harness, not here.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int Rows = 1000;
    private readonly RowImageBuilder _builder = new();
    private byte[]?[][] _values = [];

    /// <summary>The row shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowShape Shape { get; set; } = RowShape.Products;

    /// <summary>The shapes measured.</summary>
    public static IEnumerable<RowShape> Shapes => [RowShape.Products, RowShape.Wide];

    /// <summary>Makes the rows' value bytes.</summary>
    [GlobalSetup]
    public void Setup() => _values = [.. Enumerable.Range(0, Rows).Select(Shape.ValueBytes)];

    /// <summary>Decodes every row into a row image.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public long Decode()
    {
        long total = 0;
        foreach (var row in _values)
        {
            total += Copy(_builder, row).SizeInBytes;
        }
        return total;
    }

    /// <summary>Copies one row's values into a row image.</summary>
    internal static RowImage Copy(RowImageBuilder builder, byte[]?[] values)
    {
        builder.Start(values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                builder.AddNull();
            }
            else
            {
                value.CopyTo(builder.GetSpan(value.Length));
                builder.Advance(value.Length);
            }
        }
        return builder.Build();
    }
}

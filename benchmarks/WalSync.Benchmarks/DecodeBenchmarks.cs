using BenchmarkDotNet.Attributes;
using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Benchmarks;

/// <summary>
/// Decoding: pgoutput Insert messages, as ReplicationReader copies them out of Npgsql's buffer, decoded by
/// PgOutputDecoder into change events with their row images (one array per row). Npgsql's own framing of the
/// XLogData messages needs a server and is measured by the load harness.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int Rows = 1000;
    private static readonly NpgsqlLogSequenceNumber Lsn = new(0x1000);
    private PgOutputDecoder _decoder = new();
    private byte[][] _messages = [];

    /// <summary>The row shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowShape Shape { get; set; } = RowShape.Products;

    /// <summary>The shapes measured.</summary>
    public static IEnumerable<RowShape> Shapes => RowShape.All;

    /// <summary>Encodes the rows and tells the decoder about the relation.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _messages = [.. Enumerable.Range(0, Rows).Select(i => PgOutputMessages.Insert(Shape, i))];
        _decoder = NewDecoder(Shape);
    }

    /// <summary>Decodes every message into a change event.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public long Decode()
    {
        long total = 0;
        foreach (var message in _messages)
        {
            _decoder.Decode(message, Lsn, out var change);
            total += change.NewRow.SizeInBytes;
        }
        return total;
    }

    /// <summary>A decoder that has seen <paramref name="shape"/>'s Relation message.</summary>
    internal static PgOutputDecoder NewDecoder(RowShape shape)
    {
        var decoder = new PgOutputDecoder();
        decoder.Decode(PgOutputMessages.Relation(shape), Lsn, out _);
        return decoder;
    }

    /// <summary>Decodes one Insert message's row.</summary>
    internal static RowImage DecodeRow(PgOutputDecoder decoder, byte[] message)
    {
        decoder.Decode(message, Lsn, out var change);
        return change.NewRow;
    }
}

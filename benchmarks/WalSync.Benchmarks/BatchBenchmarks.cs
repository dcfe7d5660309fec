using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;

namespace WalSync.Benchmarks;

/// <summary>
/// Batching with coalescing: a batch's worth of changes folded by <c>Batcher.AddAsync</c> into a
/// <see cref="Batch"/>. Of every ten changes, six insert new rows, two update a row inserted earlier in the batch
/// (coalesced into it), one deletes such a row and one is a commit. <see cref="Sized"/>: the batch's dictionary is made
/// with room for the previous batch's changes, as the batcher does after its first batch.
/// </summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    private const int Changes = 5000;
    private ChangeEvent[] _changes = [];
    private Batcher _batcher = null!;
    private NpgsqlDataSource? _dataSource;
    private Dictionary<string, int>? _previousBatch;

    /// <summary>The row shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowShape Shape { get; set; } = RowShape.Products;

    /// <summary>True when the batch is sized from the previous one's changes; false for a dictionary grown from empty.</summary>
    [Params(false, true)]
    public bool Sized { get; set; }

    /// <summary>The shapes measured.</summary>
    public static IEnumerable<RowShape> Shapes => RowShape.All;

    /// <summary>Makes the changes and a registry that knows the table (no database is contacted).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused");
        var source = new SourceTable(Shape.Table, Shape.Relation, Shape.KeyColumns, ["text"], IsPartitioned: false);
        var registry = new TableRegistry([source], PgTypeCatalog.BuiltIn, _dataSource);
        _batcher = new Batcher(new BatchOptions { MaxRows = Changes }, registry);
        _changes = new ChangeEvent[Changes];
        var inserted = 0;
        for (var i = 0; i < Changes; i++)
        {
            var lsn = new NpgsqlLogSequenceNumber((ulong)(1000 + i));
            _changes[i] = (i % 10) switch
            {
                9 => new ChangeEvent { Kind = ChangeKind.Commit, TransactionEndLsn = lsn },
                7 or 8 => new ChangeEvent { Kind = ChangeKind.Update, Relation = Shape.Relation, NewRow = Shape.Row(inserted - 3), Lsn = lsn },
                6 => new ChangeEvent { Kind = ChangeKind.Delete, Relation = Shape.Relation, OldRow = Shape.Row(inserted - 5), Lsn = lsn },
                _ => new ChangeEvent { Kind = ChangeKind.Insert, Relation = Shape.Relation, NewRow = Shape.Row(inserted++), Lsn = lsn },
            };
        }
        var first = FoldAsync().GetAwaiter().GetResult();
        _previousBatch = Sized ? first.Collections.ToDictionary(c => c.Key, c => c.Value.Changes.Count) : null;
    }

    /// <summary>Releases the unused data source.</summary>
    [GlobalCleanup]
    public void Cleanup() => _dataSource?.Dispose();

    /// <summary>Folds every change into a new batch.</summary>
    [Benchmark(OperationsPerInvoke = Changes)]
    public async Task<int> Coalesce() => (await FoldAsync()).Rows;

    private async Task<Batch> FoldAsync()
    {
        var batch = new Batch(_previousBatch);
        foreach (var change in _changes)
        {
            await _batcher.AddAsync(batch, change, CancellationToken.None);
        }
        return batch;
    }
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Tests.Infrastructure;
using WalSync.Tests.Typesense;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Pipeline;

/// <summary>What the flusher promises: one collection's changes in batch order, other collections beside a long write,
/// batches reported strictly in order, nothing reported from a failed batch on, and
/// <c>Typesense:MaxConcurrentImports</c> as the one bound on concurrent imports.</summary>
public sealed class BatchFlusherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Run_LongWriteOfOneCollection_LaterBatchesOfAnotherAreWrittenBesideItAndReportedAfterIt()
    {
        var sink = new GatedSink();
        var (batches, reported, running) = Start(sink);
        await batches.Writer.WriteAsync(Batch(0x100, ("chunk", "1"), ("live", "a")));
        await batches.Writer.WriteAsync(Batch(0x200, ("live", "b")));
        await batches.Writer.WriteAsync(Batch(0x300, ("live", "c")));

        // The chunk's write is held; the live collection's writes go through meanwhile, in order.
        await sink.Release("live", "a");
        await sink.Release("live", "b");
        await sink.Release("live", "c");
        await batches.Writer.WriteAsync(Batch(0x400, ("live", "d")));
        await sink.Started("live", "d").WaitAsync(Timeout);
        Assert.Empty(reported);

        await sink.Release("chunk", "1");
        await sink.Release("live", "d");
        batches.Writer.Complete();
        await running.WaitAsync(Timeout);
        Assert.Equal([0x100ul, 0x200ul, 0x300ul, 0x400ul], reported);
        Assert.Equal(["chunk/1", "live/a", "live/b", "live/c", "live/d"], sink.StartOrder);
    }

    [Fact]
    public async Task Run_OneCollectionInTwoBatches_SecondWriteStartsOnlyAfterTheFirstEnds()
    {
        var sink = new GatedSink();
        var received = new ConcurrentQueue<ulong>();
        var (batches, reported, running) = Start(sink, received);
        await batches.Writer.WriteAsync(Batch(0x100, ("items", "1")));
        await batches.Writer.WriteAsync(Batch(0x200, ("items", "2")));

        await sink.Started("items", "1").WaitAsync(Timeout);
        await Eventually.HoldsAsync(() => Task.FromResult(received.Count == 2), Timeout, "the second batch to be taken");
        Assert.False(sink.Started("items", "2").IsCompleted);
        await sink.Release("items", "1");
        await sink.Release("items", "2");
        batches.Writer.Complete();
        await running.WaitAsync(Timeout);

        Assert.Equal(["items/1", "items/2"], sink.StartOrder);
        Assert.Equal(1, sink.MostWritesOfOneCollection);
        Assert.Equal([0x100ul, 0x200ul], reported);
    }

    [Fact]
    public async Task Run_CollectionBusyWithAnEarlierBatch_NextBatchIsPreparedMeanwhileAndWrittenAfterIt()
    {
        var sink = new GatedSink();
        var (batches, reported, running) = Start(sink);
        await batches.Writer.WriteAsync(Batch(0x100, ("items", "1")));
        await sink.Started("items", "1").WaitAsync(Timeout);
        await batches.Writer.WriteAsync(Batch(0x200, ("items", "2")));

        await Eventually.HoldsAsync(() => Task.FromResult(sink.Prepared.Contains("items/2")), Timeout, "the second batch to be prepared");
        Assert.False(sink.Started("items", "2").IsCompleted);
        await sink.Release("items", "1");
        await sink.Release("items", "2");
        batches.Writer.Complete();
        await running.WaitAsync(Timeout);

        // The first batch found its collection free: written at once, with nothing to prepare.
        Assert.Equal(["items/2"], sink.Prepared);
        Assert.Equal(["items/1", "items/2"], sink.StartOrder);
        Assert.Equal([0x100ul, 0x200ul], reported);
    }

    [Fact]
    public async Task Run_TypesenseSinkWithPreparedBatch_ImportsItsDocumentsInOrderAndDeadLettersWhatCannotBeMapped()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "prepare-key" });
        var options = new TypesenseOptions { ApiKey = emulator.ApiKey };
        options.Nodes.Add(emulator.Url.ToString());
        using var client = new TypesenseClient(options, NullLogger<TypesenseClient>.Instance);
        var schemas = new CollectionSchemaSync(client, NullLogger.Instance);
        var table = new TableOptions { Table = "public.items", Collection = "items" };
        var mapper = new DocumentMapper(ChangeScript.Items, ["k"], table, PgTypeCatalog.BuiltIn);
        await schemas.EnsureAsync("items", mapper, CancellationToken.None);
        var binding = new TableBinding(new SourceTable(table, ChangeScript.Items, ["k"], ["integer"], IsPartitioned: false), "items");
        var deadLetters = new MemoryDeadLetterStore();
        var sink = new ObservedSink(new TypesenseSink(client, schemas, deadLetters, Npgsql.NpgsqlDataSource.Create("Host=unused.invalid"), NullLogger.Instance));
        var batches = Channel.CreateUnbounded<Batch>();
        var first = new Batch { TransactionEndLsn = new NpgsqlLogSequenceNumber(0x100) };
        first.For(binding).Apply("1", new PendingChange(DocumentOperation.Upsert, Row("1", "first", "big"), mapper, default));
        var second = new Batch { TransactionEndLsn = new NpgsqlLogSequenceNumber(0x200) };
        second.For(binding).Apply("1", new PendingChange(DocumentOperation.Upsert, Row("1", "second", "big"), mapper, default));
        second.For(binding).Apply("2", new PendingChange(DocumentOperation.Upsert, Row("2", "two", "big"), mapper, default));
        second.For(binding).Apply("3", new PendingChange(DocumentOperation.Upsert, Row("3", "no big", Unchanged), mapper, default));
        await batches.Writer.WriteAsync(first);
        await batches.Writer.WriteAsync(second);
        batches.Writer.Complete();
        // The first import is held long enough for the second batch to find the collection busy.
        emulator.Faults.SetDelay(TimeSpan.FromMilliseconds(300));

        await new BatchFlusher(sink, parallelism: 2, NullLogger.Instance).RunAsync(batches.Reader, _ => { }, (_, _) => Task.CompletedTask, CancellationToken.None)
            .WaitAsync(Timeout);

        Assert.Equal(1, sink.Prepared);
        var documents = (await client.ExportAsync("items", CancellationToken.None)).ToDictionary(d => d["id"]!.GetValue<string>());
        Assert.Equal(["1", "2"], documents.Keys.Order());
        Assert.Equal("second", documents["1"]["note"]!.GetValue<string>());
        var rejected = Assert.Single(deadLetters.Letters);
        Assert.Equal("3", rejected.DocumentId);
    }

    [Fact]
    public async Task Run_EarlierBatchFails_LaterBatchWrittenButNothingReported()
    {
        var sink = new GatedSink();
        var (batches, reported, running) = Start(sink);
        await batches.Writer.WriteAsync(Batch(0x100, ("chunk", "1")));
        await batches.Writer.WriteAsync(Batch(0x200, ("live", "a")));
        await sink.Release("live", "a");

        sink.Fail("chunk", "1", new HttpRequestException("Typesense is down"));

        await Assert.ThrowsAsync<HttpRequestException>(() => running.WaitAsync(Timeout));
        Assert.Empty(reported);
    }

    [Fact]
    public async Task Run_SixCollections_AtMostParallelismRequestsInFlight()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "concurrency-key" });
        var recorder = new RecordingHandler();
        var options = new TypesenseOptions { ApiKey = emulator.ApiKey };
        options.Nodes.Add(emulator.Url.ToString());
        using var client = new TypesenseClient(options, NullLogger<TypesenseClient>.Instance, null, recorder);
        var schemas = new CollectionSchemaSync(client, NullLogger.Instance);
        var batches = Channel.CreateUnbounded<Batch>();
        for (var b = 0; b < 2; b++)
        {
            var batch = new Batch { TransactionEndLsn = new NpgsqlLogSequenceNumber(0x100ul * (ulong)(b + 1)) };
            for (var i = 0; i < 6; i++)
            {
                var table = new TableOptions { Table = "public.items", Collection = $"items_{i}_{b}" };
                var mapper = new DocumentMapper(ChangeScript.Items, ["k"], table, PgTypeCatalog.BuiltIn);
                await schemas.EnsureAsync(table.CollectionName, mapper, CancellationToken.None);
                var binding = new TableBinding(new SourceTable(table, ChangeScript.Items, ["k"], ["integer"], IsPartitioned: false), table.CollectionName);
                batch.For(binding).Apply("1", new PendingChange(DocumentOperation.Upsert, Row("1", "note", "big"), mapper, default));
            }
            await batches.Writer.WriteAsync(batch);
        }
        batches.Writer.Complete();
        var sink = new TypesenseSink(client, schemas, new NoDeadLetters(), Npgsql.NpgsqlDataSource.Create("Host=unused.invalid"), NullLogger.Instance);
        emulator.Faults.SetDelay(TimeSpan.FromMilliseconds(100));

        // Two batches of six disjoint collections: twelve imports that could all go at once.
        await new BatchFlusher(sink, parallelism: 2, NullLogger.Instance).RunAsync(batches.Reader, _ => { }, (_, _) => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(2, recorder.MaxInFlight);
        for (var i = 0; i < 12; i++)
        {
            Assert.Single(await client.ExportAsync($"items_{i % 6}_{i / 6}", CancellationToken.None));
        }
    }

    private static (Channel<Batch> Batches, ConcurrentQueue<ulong> Reported, Task Running) Start(IBatchSink sink, ConcurrentQueue<ulong>? received = null)
    {
        var batches = Channel.CreateBounded<Batch>(1);
        var reported = new ConcurrentQueue<ulong>();
        var running = new BatchFlusher(sink, parallelism: 4, NullLogger.Instance).RunAsync(batches.Reader, b => received?.Enqueue((ulong)b.TransactionEndLsn),
            (batch, _) =>
            {
                reported.Enqueue((ulong)batch.TransactionEndLsn);
                return Task.CompletedTask;
            }, CancellationToken.None);
        return (batches, reported, running);
    }

    /// <summary>A batch with one document per (collection, document id).</summary>
    private static Batch Batch(ulong end, params (string Collection, string Id)[] documents)
    {
        var batch = new Batch { TransactionEndLsn = new NpgsqlLogSequenceNumber(end) };
        foreach (var (collection, id) in documents)
        {
            var table = new TableOptions { Table = "public.items", Collection = collection };
            var binding = new TableBinding(new SourceTable(table, ChangeScript.Items, ["k"], ["integer"], IsPartitioned: false), collection);
            var mapper = new DocumentMapper(ChangeScript.Items, ["k"], table, PgTypeCatalog.BuiltIn);
            batch.For(binding).Apply(id, new PendingChange(DocumentOperation.Upsert, Row(id, "note", "big"), mapper, default));
        }
        return batch;
    }

    /// <summary>A sink whose every write waits until the test releases (or fails) it, naming it collection/document.</summary>
    private sealed class GatedSink : IBatchSink
    {
        private readonly ConcurrentDictionary<string, (TaskCompletionSource Started, TaskCompletionSource Done)> _writes = new();

        private readonly ConcurrentDictionary<string, int> _writing = new();

        public ConcurrentQueue<string> StartOrder { get; } = new();

        /// <summary>The collection/document of each batch prepared, in order.</summary>
        public ConcurrentQueue<string> Prepared { get; } = new();

        public void Prepare(CollectionBatch changes) => Prepared.Enqueue($"{changes.Table.Collection}/{changes.Changes.Keys.Single()}");

        /// <summary>The most writes of one collection seen at once.</summary>
        public int MostWritesOfOneCollection { get; private set; }

        public Task Started(string collection, string id) => Write(collection, id).Started.Task;

        /// <summary>Waits until the write has started, then lets it end.</summary>
        public async Task Release(string collection, string id)
        {
            await Started(collection, id).WaitAsync(Timeout);
            Write(collection, id).Done.TrySetResult();
        }

        public void Fail(string collection, string id, Exception error) => Write(collection, id).Done.TrySetException(error);

        public async Task<long> FlushAsync(CollectionBatch changes, CancellationToken cancellationToken)
        {
            var id = changes.Changes.Keys.Single();
            StartOrder.Enqueue($"{changes.Table.Collection}/{id}");
            var write = Write(changes.Table.Collection, id);
            var writing = _writing.AddOrUpdate(changes.Table.Collection, 1, (_, n) => n + 1);
            MostWritesOfOneCollection = Math.Max(MostWritesOfOneCollection, writing);
            write.Started.TrySetResult();
            try
            {
                await write.Done.Task.WaitAsync(cancellationToken);
                return 0;
            }
            finally
            {
                _writing.AddOrUpdate(changes.Table.Collection, 0, (_, n) => n - 1);
            }
        }

        private (TaskCompletionSource Started, TaskCompletionSource Done) Write(string collection, string id) =>
            _writes.GetOrAdd($"{collection}/{id}", _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));
    }

    /// <summary>A sink that counts the batches prepared before passing them on.</summary>
    private sealed class ObservedSink(IBatchSink inner) : IBatchSink
    {
        private int _prepared;

        public int Prepared => _prepared;

        public Task<long> FlushAsync(CollectionBatch changes, CancellationToken cancellationToken) => inner.FlushAsync(changes, cancellationToken);

        public void Prepare(CollectionBatch changes)
        {
            Interlocked.Increment(ref _prepared);
            inner.Prepare(changes);
        }
    }

    private sealed class NoDeadLetters : IDeadLetterStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("No document should be rejected.");
    }
}

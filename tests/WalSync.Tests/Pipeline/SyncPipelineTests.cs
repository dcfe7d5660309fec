using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Tests.Infrastructure;
using WalSync.Tests.Mapping;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;
using static WalSync.Tests.Pipeline.ChangeScript;

namespace WalSync.Tests.Pipeline;

/// <summary>The acknowledgement contract through the assembled pipeline, without PostgreSQL: a scripted source, the
/// real batcher and checkpointer on a fake clock, and a recording sink or the real sink on the emulator.</summary>
public sealed class SyncPipelineTests : IDisposable
{
    private static readonly BatchOptions Options = new() { MaxRows = 3, FlushInterval = TimeSpan.FromSeconds(2), ChannelCapacity = 100 };
    private readonly FakeTimeProvider _time = new();
    private readonly CancellationTokenSource _stop = new();

    private static ChangeEvent[] Transaction(ulong end, params int[] keys) => [.. keys.Select(k => Insert(k, "n")), Commit(end)];

    /// <summary>Moves the fake clock on by flush intervals until <paramref name="condition"/> holds.</summary>
    private Task AdvanceUntilAsync(Func<bool> condition, string what) => Eventually.HoldsAsync(() =>
    {
        _time.Advance(Options.FlushInterval);
        return Task.FromResult(condition());
    }, TimeSpan.FromSeconds(20), what);

    [Fact]
    public async Task Run_BatchCutInsideATransaction_AcknowledgesNothingPastTheLastCompleteOne()
    {
        // T1 = two rows ending at 0x100; T2 = five rows ending at 0x200. Batches of 3 rows: [T1, T2.1], [T2.2-4], [T2.5].
        var source = new ScriptedChangeSource([.. Transaction(0x100, 1, 2), .. Transaction(0x200, 3, 4, 5, 6, 7)]);
        var sink = new RecordingSink { Acknowledged = () => source.Acknowledged };
        var checkpointer = new Checkpointer();
        var running = new SyncPipeline(Options, Registry(), sink, 2, checkpointer, _time, NullLogger.Instance).RunAsync(source, null, null, _stop.Token, default);

        await AdvanceUntilAsync(() => source.Acknowledged.Contains(new NpgsqlLogSequenceNumber(0x200)), "T2 to be acknowledged");
        await _stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["1,2,3", "4,5,6", "7"], sink.Writes.Select(w => string.Join(',', w.Changes.Keys)));
        // The batch cut inside T2 was flushed before T2's last batch arrived, and still only T1 was acknowledged then.
        Assert.Equal([new NpgsqlLogSequenceNumber(0x100)], sink.AcknowledgedAtFlush[2]);
        Assert.Equal([new NpgsqlLogSequenceNumber(0x100), new NpgsqlLogSequenceNumber(0x200)], source.Acknowledged);
    }

    [Fact]
    public async Task Run_WithRowPool_GivesBackTheRowsOfFlushedBatchesButNotABackfillsRows()
    {
        var pool = new RowImagePool();
        ChangeEvent InPool(ChangeEvent change) => change with { NewRow = MappingTestData.RowIn(pool, change.NewRow.GetString(0), "n", "large") };
        // Key 3's row is a backfill chunk's (no LSN): its backfill gives it back itself.
        var chunkRow = InPool(Insert(3, "n")) with { Lsn = NpgsqlLogSequenceNumber.Invalid };
        var source = new ScriptedChangeSource([InPool(Insert(1, "n")), InPool(Insert(2, "n")), chunkRow, Commit(0x100)]);
        var sink = new RecordingSink { Acknowledged = () => source.Acknowledged };
        var running = new SyncPipeline(Options, Registry(), sink, 2, new Checkpointer(), _time, NullLogger.Instance, rows: pool)
            .RunAsync(source, null, null, _stop.Token, default);

        await AdvanceUntilAsync(() => source.Acknowledged.Contains(new NpgsqlLogSequenceNumber(0x100)), "the transaction to be acknowledged");
        await _stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        var written = sink.Writes.Single().Changes;
        var given = new[] { pool.Rent(40), pool.Rent(40), pool.Rent(40) };
        Assert.Contains(given, a => ReferenceEquals(a, written["1"].Row.Buffer));
        Assert.Contains(given, a => ReferenceEquals(a, written["2"].Row.Buffer));
        Assert.DoesNotContain(given, a => ReferenceEquals(a, written["3"].Row.Buffer));
    }

    [Fact]
    public async Task Run_WithRowPoolAndFailingFlush_GivesNoRowBack()
    {
        var pool = new RowImagePool();
        var row = MappingTestData.RowIn(pool, "1", "n", "large");
        var source = new ScriptedChangeSource([Insert(1, "n") with { NewRow = row }, Commit(0x100)]);
        var running = new SyncPipeline(Options, Registry(), new RecordingSink { FailFlush = 1 }, 2, new Checkpointer(), _time, NullLogger.Instance, rows: pool)
            .RunAsync(source, null, null, _stop.Token, default);

        await AdvanceUntilAsync(() => running.IsCompleted, "the pipeline to fail");
        await Assert.ThrowsAsync<HttpRequestException>(() => running);

        // The batch was not written: its changes come again, and its rows may still be read meanwhile.
        Assert.NotSame(row.Buffer, pool.Rent(40));
    }

    [Fact]
    public async Task Run_FlushFails_AcknowledgesNothingAndThrows()
    {
        var source = new ScriptedChangeSource(Transaction(0x100, 1, 2, 3));
        var sink = new RecordingSink { FailFlush = 1 };
        var running = new SyncPipeline(Options, Registry(), sink, 2, new Checkpointer(), _time, NullLogger.Instance)
            .RunAsync(source, null, null, _stop.Token, default);

        await AdvanceUntilAsync(() => running.IsCompleted, "the pipeline to fail");
        await Assert.ThrowsAsync<HttpRequestException>(() => running);

        Assert.Empty(source.Acknowledged);
    }

    [Fact]
    public async Task Run_Idle_AcknowledgesTheServerPositionOnlyOnceTheLastCommitIsFlushed()
    {
        var source = new ScriptedChangeSource(Transaction(0x100, 1));
        var sink = new RecordingSink { Acknowledged = () => source.Acknowledged };
        var running = new SyncPipeline(Options, Registry(), sink, 2, new Checkpointer(), _time, NullLogger.Instance)
            .RunAsync(source, null, null, _stop.Token, default);
        await source.AllWritten.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Keepalives report WAL written elsewhere.
        source.LastReceivedLsn = new NpgsqlLogSequenceNumber(0x900);

        await AdvanceUntilAsync(() => source.Acknowledged.Contains(new NpgsqlLogSequenceNumber(0x900)), "the keepalive position to be acknowledged");
        await _stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal([new NpgsqlLogSequenceNumber(0x100), new NpgsqlLogSequenceNumber(0x900)], source.Acknowledged);
    }

    [Fact]
    public async Task Run_AlongsideFails_StopsReadingFlushesWhatWasReadAndThrows()
    {
        var source = new ScriptedChangeSource(Transaction(0x100, 1));
        var sink = new RecordingSink();
        async Task Backfill(CancellationToken stop)
        {
            await source.AllWritten.Task.WaitAsync(stop);
            throw new InvalidOperationException("the backfill failed");
        }
        var running = new SyncPipeline(Options, Registry(), sink, 2, new Checkpointer(), _time, NullLogger.Instance).RunAsync(source, Backfill, null, _stop.Token, default);

        await AdvanceUntilAsync(() => running.IsCompleted, "the pipeline to stop");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => running);

        Assert.Equal("the backfill failed", failure.Message);
        Assert.Equal([new NpgsqlLogSequenceNumber(0x100)], source.Acknowledged);
    }

    [Fact]
    public async Task Run_DocumentDeadLettered_CountsAsFlushed()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "pipeline-key" });
        var typesense = new TypesenseOptions { ApiKey = emulator.ApiKey };
        typesense.Nodes.Add(emulator.Url.ToString());
        using var client = new TypesenseClient(typesense, NullLogger<TypesenseClient>.Instance);
        var deadLetters = new MemoryDeadLetterStore();
        var registry = Registry();
        var sink = new TypesenseSink(client, new CollectionSchemaSync(client, NullLogger.Instance), deadLetters, Npgsql.NpgsqlDataSource.Create("Host=unused.invalid"), NullLogger.Instance);
        var source = new ScriptedChangeSource([Price(1, "10.5"), Price(2, "NaN"), Commit(0x100)]);
        var running = new SyncPipeline(Options, registry, sink, 2, new Checkpointer(), _time, NullLogger.Instance)
            .RunAsync(source, null, null, _stop.Token, default);

        await AdvanceUntilAsync(() => source.Acknowledged.Count > 0, "the transaction to be acknowledged");
        await _stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal([new NpgsqlLogSequenceNumber(0x100)], source.Acknowledged);
        Assert.Equal("2", Assert.Single(deadLetters.Letters).DocumentId);
        Assert.Single(await client.ExportAsync("prices", CancellationToken.None));
    }

    public void Dispose() => _stop.Dispose();
}

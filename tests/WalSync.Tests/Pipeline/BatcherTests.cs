using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using static WalSync.Tests.Mapping.MappingTestData;
using static WalSync.Tests.Pipeline.ChangeScript;

namespace WalSync.Tests.Pipeline;

/// <summary>Cutting and coalescing on a fake clock: batches end at MaxRows, at the flush interval and at a backfill's
/// high watermark, which brings the chunk's rows the stream left alone; changes to one document fold in commit order; an update with unchanged TOAST takes the values of an
/// earlier version in the batch.</summary>
public sealed class BatcherTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Channel<ChangeEvent> _input = Channel.CreateUnbounded<ChangeEvent>();
    private readonly Channel<Batch> _output = Channel.CreateUnbounded<Batch>();
    private readonly CancellationTokenSource _stop = new();
    private readonly BackfillWindows _windows = new();
    private readonly TableRegistry _registry = Registry();
    private Task? _running;

    private void Start(int maxRows = 1000, int flushMilliseconds = 2000)
    {
        var options = new BatchOptions { MaxRows = maxRows, FlushInterval = TimeSpan.FromMilliseconds(flushMilliseconds) };
        _running = new Batcher(options, _registry, _time, _windows).RunAsync(_input.Reader, _output.Writer, _stop.Token);
    }

    /// <summary>Puts changes in the channel; written before <see cref="Start"/>, the batcher finds them all at its first look.</summary>
    private void Write(params ChangeEvent[] changes)
    {
        foreach (var change in changes)
        {
            Assert.True(_input.Writer.TryWrite(change));
        }
    }

    /// <summary>A chunk of the items table with <paramref name="rows"/>, registered with the windows.</summary>
    private BackfillChunk RegisterChunk(params RowImage[] rows)
    {
        var chunk = new BackfillChunk($"{_windows.RunId}:1", _registry.Bindings[0]) { Relation = Items, Rows = rows, Snapshot = PgSnapshot.Parse("10:10:") };
        _windows.Register(chunk);
        return chunk;
    }

    private static ChangeEvent Watermark(BackfillChunk chunk, string end) => new() { Kind = ChangeKind.Watermark, Watermark = $"{chunk.Id}:{end}" };

    private async Task<Batch> NextBatchAsync() => await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Run_MaxRowsReached_CutsWithoutWaitingForTheInterval()
    {
        Write(Insert(1, "a"), Insert(2, "b"), Insert(3, "c"), Insert(4, "d"));
        Start(maxRows: 3);

        var batch = await NextBatchAsync();
        Assert.Equal(3, batch.Rows);
        Assert.Equal(["1", "2", "3"], batch.Collections["items"].Changes.Keys.Order());
        Assert.Equal(NpgsqlLogSequenceNumber.Invalid, batch.TransactionEndLsn);
        Assert.False(_output.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Run_FullBatchWithItsCommitWaiting_TakesTheCommit()
    {
        Write(Insert(1, "a"), Insert(2, "b"), Commit(0x100), Insert(3, "c"));
        Start(maxRows: 2);

        var batch = await NextBatchAsync();
        Assert.Equal(2, batch.Rows);
        Assert.Equal(new NpgsqlLogSequenceNumber(0x100), batch.TransactionEndLsn);
    }

    [Fact]
    public async Task Run_FewChanges_CutOnlyWhenTheFlushIntervalHasPassed()
    {
        Write(Insert(1, "a"), Commit(0x100));
        Start(flushMilliseconds: 2000);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Write(Insert(2, "b"), Commit(0x200));
        Assert.False(_output.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var batch = await NextBatchAsync();
        Assert.Equal(2, batch.Rows);
        Assert.Equal(new NpgsqlLogSequenceNumber(0x200), batch.TransactionEndLsn);
    }

    [Fact]
    public async Task Run_HighWatermark_WritesTheChunkRowsTheStreamLeftAloneAndCutsAtOnce()
    {
        var chunk = RegisterChunk(Row("1", "chunk", "b"), Row("2", "chunk", "b"), Row("3", "chunk", "b"));
        Write(Watermark(chunk, "L"), UpdateNote(2, "stream"), Commit(0x100), Watermark(chunk, "H"));
        Start();

        var batch = await NextBatchAsync();
        var changes = batch.Collections["items"].Changes;
        Assert.Equal(("chunk", "stream", "chunk"), (changes["1"].Row.GetString(1), changes["2"].Row.GetString(1), changes["3"].Row.GetString(1)));
        Assert.Equal(DocumentOperation.PartialUpdate, changes["2"].Operation);
        Assert.Same(chunk, Assert.Single(batch.Chunks));
        Assert.Equal(2, chunk.RowsWritten);
    }

    [Fact]
    public async Task Run_HighWatermarkAfterAnotherChangeOfTheCollection_RowsTakeTheirIds()
    {
        var chunk = RegisterChunk(Row("1", "chunk", "b"), Row("2", "chunk", "b"));
        Write(Insert(9, "other"), Commit(0x100), Watermark(chunk, "L"), Watermark(chunk, "H"));
        Start();

        var batch = await NextBatchAsync();
        var items = batch.Collections["items"];
        // Insert 9 came before the low watermark, into the same batch: the rows are written (the stream left them
        // alone), but under their ids, as they are not alone in the batch.
        Assert.Equal(["1", "2", "9"], items.Changes.Keys.Order());
        Assert.Empty(items.Backfilled);
        Assert.Equal(2, chunk.RowsWritten);
    }

    [Fact]
    public async Task Run_HighWatermarkAloneInItsBatch_RowsKeptWithoutIds()
    {
        var chunk = RegisterChunk(Row("1", "chunk", "b"), Row("2", "chunk", "b"));
        Write(Watermark(chunk, "L"), Watermark(chunk, "H"));
        Start();

        var items = (await NextBatchAsync()).Collections["items"];
        Assert.Empty(items.Changes);
        Assert.Equal([Row("1", "chunk", "b"), Row("2", "chunk", "b")], items.Backfilled.Select(c => c.Row));
        Assert.All(items.Backfilled, c => Assert.Equal(DocumentOperation.Upsert, c.Operation));
        Assert.Equal(2, chunk.RowsWritten);
    }

    [Fact]
    public async Task Run_ChunksOfOneScan_EachLeavesOutWhatTheStreamChangedSinceTheScansLowWatermark()
    {
        // Two chunks of one sequential scan, read in one snapshot taken after the first chunk's low watermark.
        var first = RegisterChunk(Row("1", "chunk", "b"), Row("2", "chunk", "b"), Row("3", "chunk", "b"));
        first.ClosesWindow = false;
        var second = new BackfillChunk($"{_windows.RunId}:2", _registry.Bindings[0], first.Id)
        {
            Relation = Items, Rows = [Row("4", "chunk", "b"), Row("5", "chunk", "b")], Snapshot = first.Snapshot,
        };
        _windows.Register(second);
        Write(Watermark(first, "L"), UpdateNote(3, "stream"), Commit(0x100), Watermark(first, "H"), UpdateNote(4, "later"), Commit(0x200), Watermark(second, "H"));
        Start();

        var changes = (await NextBatchAsync()).Collections["items"].Changes;
        Assert.Equal(("chunk", "chunk", "stream"), (changes["1"].Row.GetString(1), changes["2"].Row.GetString(1), changes["3"].Row.GetString(1)));
        Assert.Equal(2, first.RowsWritten);
        var next = (await NextBatchAsync()).Collections["items"].Changes;
        // 4 changed after the first chunk's high watermark, but inside the scan's window: the stream's version stays.
        Assert.Equal(("later", "chunk"), (next["4"].Row.GetString(1), next["5"].Row.GetString(1)));
        Assert.Equal(1, second.RowsWritten);
        Assert.False(_windows.Active);
    }

    [Fact]
    public async Task Run_ScanGivenUpWithItsWindowOpen_WindowClosedAtTheNextCommit()
    {
        var first = RegisterChunk(Row("1", "chunk", "b"));
        first.ClosesWindow = false;
        // The scan ended after its first chunk's high watermark, without a chunk that closes the window.
        first.WindowAbandoned = true;
        Write(Watermark(first, "L"), Watermark(first, "H"), Insert(9, "after"), Commit(0x100));
        Start(maxRows: 1);

        Assert.Equal(1, (await NextBatchAsync()).Collections["items"].Count);
        Assert.Equal(1, first.RowsWritten);
        Assert.Equal(1, (await NextBatchAsync()).Collections["items"].Count);
        Assert.False(_windows.Active);
    }

    [Fact]
    public async Task Run_TransactionTheChunkSnapshotHid_ItsDocumentKeepsTheStreamVersion()
    {
        _windows.BackfillStarted();
        // Transaction 100 committed before the low watermark, but the chunk's snapshot still saw it running.
        var chunk = RegisterChunk(Row("5", "stale", "b"), Row("6", "chunk", "b"));
        chunk.Snapshot = PgSnapshot.Parse("100:102:100");
        Write(Insert(5, "fresh"), Commit(0x100) with { TransactionId = 100 }, Watermark(chunk, "L"), Watermark(chunk, "H"));
        Start();

        var changes = (await NextBatchAsync()).Collections["items"].Changes;
        Assert.Equal("fresh", changes["5"].Row.GetString(1));
        Assert.Equal("chunk", changes["6"].Row.GetString(1));
    }

    [Fact]
    public async Task Run_TruncateInsideTheWindow_NoChunkRowComesBack()
    {
        var chunk = RegisterChunk(Row("1", "before truncate", "b"));
        Write(Watermark(chunk, "L"), new ChangeEvent { Kind = ChangeKind.Truncate, TruncatedRelations = [Items] }, Commit(0x100), Watermark(chunk, "H"));
        Start();

        var batch = await NextBatchAsync();
        Assert.Empty(batch.Collections["items"].Changes);
        Assert.True(batch.Collections["items"].TruncateFirst);
        Assert.Same(chunk, Assert.Single(batch.Chunks));
    }

    [Fact]
    public async Task Run_WatermarkOfAnotherRun_Ignored()
    {
        var chunk = RegisterChunk(Row("1", "chunk", "b"));
        Write(new ChangeEvent { Kind = ChangeKind.Watermark, Watermark = "earlierrun:1:L" }, new ChangeEvent { Kind = ChangeKind.Watermark, Watermark = "earlierrun:1:H" },
            Insert(2, "stream"), Commit(0x100));
        Start(maxRows: 1);

        var batch = await NextBatchAsync();
        Assert.Empty(batch.Chunks);
        Assert.Equal(["2"], batch.Collections["items"].Changes.Keys);
        Assert.False(chunk.Flushed.Task.IsCompleted);
    }

    [Fact]
    public async Task Run_ChangesToOneDocument_FoldInCommitOrder()
    {
        Write(Insert(1, "first"), UpdateNote(1, "second"), Delete(2), Insert(2, "again"), Insert(3, "x"), Delete(3), Rekey(4, 5, "moved"), Commit(0x100));
        Start(maxRows: 7);

        var changes = (await NextBatchAsync()).Collections["items"].Changes;
        Assert.Equal((DocumentOperation.Upsert, "second", "large"), (changes["1"].Operation, changes["1"].Row.GetString(1), changes["1"].Row.GetString(2)));
        Assert.Equal((DocumentOperation.Upsert, "again"), (changes["2"].Operation, changes["2"].Row.GetString(1)));
        Assert.Equal(DocumentOperation.Delete, changes["3"].Operation);
        Assert.Equal(DocumentOperation.Delete, changes["4"].Operation);
        Assert.Equal((DocumentOperation.Upsert, "moved"), (changes["5"].Operation, changes["5"].Row.GetString(1)));
    }

    [Fact]
    public async Task Run_UnchangedToast_MergedFromAnEarlierVersionElsePartialOrReadBack()
    {
        Write(Insert(1, "a", "kept"), UpdateNote(1, "b"), UpdateNote(2, "alone"), Delete(3), UpdateNote(3, "after delete"));
        Start(maxRows: 5);

        var changes = (await NextBatchAsync()).Collections["items"].Changes;
        Assert.Equal((DocumentOperation.Upsert, "kept"), (changes["1"].Operation, changes["1"].Row.GetString(2)));
        Assert.Equal(DocumentOperation.PartialUpdate, changes["2"].Operation);
        Assert.Equal(DocumentOperation.Reload, changes["3"].Operation);
    }

    [Fact]
    public async Task Run_InputCompleted_WritesThePartialBatchAndCompletes()
    {
        Write(Insert(1, "a"));
        _input.Writer.Complete();
        Start();

        Assert.Equal(1, (await NextBatchAsync()).Rows);
        await _running!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_output.Reader.Completion.IsCompleted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await Task.WhenAny(_running);
        }
        _stop.Dispose();
    }
}

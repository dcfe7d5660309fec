using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Pipeline;
using WalSync.Replication;
using static WalSync.Tests.Pipeline.ChangeScript;

namespace WalSync.Tests.Pipeline;

/// <summary>Cutting and coalescing on a fake clock: batches end at MaxRows, at the flush interval and at the end of the
/// snapshot copy; changes to one document fold in commit order; an update with unchanged TOAST takes the values of an
/// earlier version in the batch.</summary>
public sealed class BatcherTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Channel<ChangeEvent> _input = Channel.CreateUnbounded<ChangeEvent>();
    private readonly Channel<Batch> _output = Channel.CreateUnbounded<Batch>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    private void Start(int maxRows = 1000, int flushMilliseconds = 2000)
    {
        var options = new BatchOptions { MaxRows = maxRows, FlushInterval = TimeSpan.FromMilliseconds(flushMilliseconds) };
        _running = new Batcher(options, Registry(), _time).RunAsync(_input.Reader, _output.Writer, _stop.Token);
    }

    /// <summary>Puts changes in the channel; written before <see cref="Start"/>, the batcher finds them all at its first look.</summary>
    private void Write(params ChangeEvent[] changes)
    {
        foreach (var change in changes)
        {
            Assert.True(_input.Writer.TryWrite(change));
        }
    }

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
    public async Task Run_SnapshotEnd_CutsAtOnceWithTheConsistentPoint()
    {
        Write(Insert(1, "a"), new ChangeEvent { Kind = ChangeKind.SnapshotEnd, TransactionEndLsn = new NpgsqlLogSequenceNumber(0x42) });
        Start();

        var batch = await NextBatchAsync();
        Assert.Equal(new NpgsqlLogSequenceNumber(0x42), batch.TransactionEndLsn);
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

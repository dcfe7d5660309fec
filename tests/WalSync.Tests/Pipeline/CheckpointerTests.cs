using NpgsqlTypes;
using WalSync.Pipeline;

namespace WalSync.Tests.Pipeline;

/// <summary>The acknowledgement rule, one clause a test: nothing is acknowledged that is not flushed, acknowledgements
/// never go backwards, and the keepalive position only while nothing is in flight.</summary>
public sealed class CheckpointerTests
{
    private readonly Checkpointer _checkpointer = new();
    private readonly ScriptedChangeSource _source = new([]);

    public CheckpointerTests()
    {
        _checkpointer.StartRun();
        _checkpointer.Attach(_source);
    }

    private static Batch Flushed(ulong transactionEnd) =>
        new() { TransactionEndLsn = transactionEnd == 0 ? NpgsqlLogSequenceNumber.Invalid : new NpgsqlLogSequenceNumber(transactionEnd) };

    [Fact]
    public async Task OnFlushed_BatchCompletingNoTransaction_AcknowledgesNothing()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0), CancellationToken.None);

        Assert.Empty(_source.Acknowledged);
        Assert.Equal(NpgsqlLogSequenceNumber.Invalid, _checkpointer.LastAcknowledged);
    }

    [Fact]
    public async Task OnFlushed_BatchCompletingATransaction_AcknowledgesItsEndLsn()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0x200), CancellationToken.None);

        Assert.Equal([new NpgsqlLogSequenceNumber(0x200)], _source.Acknowledged);
        Assert.Equal(new NpgsqlLogSequenceNumber(0x200), _checkpointer.FlushedThrough);
    }

    [Fact]
    public async Task OnFlushed_OlderTransactionAfterNewer_NeverGoesBackwards()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0x300), CancellationToken.None);
        await _checkpointer.OnFlushedAsync(Flushed(0x200), CancellationToken.None);
        _source.LastReceivedLsn = new NpgsqlLogSequenceNumber(0x100);
        await _checkpointer.AcknowledgeIdleAsync(CancellationToken.None);

        Assert.Equal([new NpgsqlLogSequenceNumber(0x300)], _source.Acknowledged);
    }

    [Fact]
    public async Task StartRun_AfterReconnect_KeepsAcknowledgementsMonotonic()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0x300), CancellationToken.None);
        _checkpointer.StartRun();
        _checkpointer.Attach(_source);

        // PostgreSQL resends a transaction it was not yet told about, then the stream moves on.
        await _checkpointer.OnFlushedAsync(Flushed(0x280), CancellationToken.None);
        await _checkpointer.OnFlushedAsync(Flushed(0x400), CancellationToken.None);

        Assert.Equal([new NpgsqlLogSequenceNumber(0x300), new NpgsqlLogSequenceNumber(0x400)], _source.Acknowledged);
    }

    [Fact]
    public async Task AcknowledgeIdle_TransactionOpen_AcknowledgesNothing()
    {
        _source.InTransaction = true;
        _source.LastReceivedLsn = new NpgsqlLogSequenceNumber(0x500);

        await _checkpointer.AcknowledgeIdleAsync(CancellationToken.None);

        Assert.Empty(_source.Acknowledged);
    }

    [Fact]
    public async Task AcknowledgeIdle_CommitWrittenButNotFlushed_AcknowledgesNothing()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0x200), CancellationToken.None);
        _source.LastCommitWritten = new NpgsqlLogSequenceNumber(0x300);
        _source.LastReceivedLsn = new NpgsqlLogSequenceNumber(0x500);

        await _checkpointer.AcknowledgeIdleAsync(CancellationToken.None);

        Assert.Equal([new NpgsqlLogSequenceNumber(0x200)], _source.Acknowledged);
    }

    [Fact]
    public async Task AcknowledgeIdle_EverythingWrittenIsFlushed_AcknowledgesTheServerPosition()
    {
        await _checkpointer.OnFlushedAsync(Flushed(0x300), CancellationToken.None);
        _source.LastCommitWritten = new NpgsqlLogSequenceNumber(0x300);
        _source.LastReceivedLsn = new NpgsqlLogSequenceNumber(0x500);

        await _checkpointer.AcknowledgeIdleAsync(CancellationToken.None);

        Assert.Equal([new NpgsqlLogSequenceNumber(0x300), new NpgsqlLogSequenceNumber(0x500)], _source.Acknowledged);
    }

    [Fact]
    public async Task AcknowledgeIdle_NoSourceAttached_AcknowledgesNothing()
    {
        var checkpointer = new Checkpointer();
        checkpointer.StartRun();
        await checkpointer.OnFlushedAsync(Flushed(0x300), CancellationToken.None);

        await checkpointer.AcknowledgeIdleAsync(CancellationToken.None);

        Assert.Equal(NpgsqlLogSequenceNumber.Invalid, checkpointer.LastAcknowledged);
    }

    [Fact]
    public async Task WaitForFlushed_CompletesOnlyOnceThatLsnIsFlushed()
    {
        var waiting = _checkpointer.WaitForFlushedAsync(new NpgsqlLogSequenceNumber(0x300), CancellationToken.None);

        await _checkpointer.OnFlushedAsync(Flushed(0x200), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await _checkpointer.OnFlushedAsync(Flushed(0x300), CancellationToken.None);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Tests.Replication;

public sealed class StreamedTransactionsTests : IDisposable
{
    private const int Top = 700;
    private readonly StreamedTransactions _streamed = new(Path.GetTempPath());
    private readonly PgOutputDecoder _decoder = new();

    public StreamedTransactionsTests() =>
        _decoder.AddRelation(new RelationInfo(16384, "public", "items", ReplicaIdentity.Default, [new ColumnInfo("id", 23, -1, true)]));

    public void Dispose() => _streamed.Dispose();

    private static byte[] Insert(int xid, string id) => PgOutputBytes.Message('I').Int32(xid).Int32(16384).Byte((byte)'N').Tuple(id).ToArray();

    private static byte[] StreamStart(int xid, bool first) => PgOutputBytes.Message('S').Int32(xid).Byte(first ? (byte)1 : (byte)0).ToArray();

    private static byte[] StreamCommit(int xid) =>
        PgOutputBytes.Message('c').Int32(xid).Byte(0).Int64(0x100).Int64(0x108).Int64(86_400_000_000).ToArray();

    private bool Take(byte[] message, out StreamedTransactions.Committed? committed) =>
        _streamed.TryTake(message, new NpgsqlLogSequenceNumber(0x50), out committed);

    private List<string> Replay(StreamedTransactions.Committed committed, out ChangeEvent begin, out ChangeEvent commit)
    {
        Assert.Equal(PgOutputMessageKind.Begin, _decoder.Decode(committed.Begin, default, out begin));
        var ids = new List<string>();
        committed.Spool.Rewind();
        while (committed.Spool.TryRead(out var message, out var walEnd))
        {
            Assert.Equal(PgOutputMessageKind.Change, _decoder.Decode(message.Span, walEnd, out var change));
            Assert.Equal(new NpgsqlLogSequenceNumber(0x50), change.Lsn);
            ids.Add(change.NewRow.GetString(0)!);
        }
        Assert.Equal(PgOutputMessageKind.Commit, _decoder.Decode(committed.Commit, default, out commit));
        committed.Spool.Dispose();
        return ids;
    }

    private void Stream(int xid, bool first, params (int Xid, string Id)[] inserts)
    {
        Assert.True(Take(StreamStart(xid, first), out _));
        foreach (var (subtransaction, id) in inserts)
        {
            Assert.True(Take(Insert(subtransaction, id), out _));
        }
        Assert.True(Take([(byte)'E'], out _));
    }

    [Fact]
    public void TryTake_BlocksThenCommit_ReplaysTheChangesAsATransactionWithTheCommitsLsnAndTime()
    {
        Stream(Top, true, (Top, "1"), (Top, "2"));
        Stream(Top, false, (Top, "3"));
        Assert.True(Take(StreamCommit(Top), out var committed));

        var ids = Replay(committed!, out _, out var commit);

        Assert.Equal(["1", "2", "3"], ids);
        Assert.Equal((ChangeKind.Commit, (uint)Top, new NpgsqlLogSequenceNumber(0x108)), (commit.Kind, commit.TransactionId, commit.TransactionEndLsn));
        Assert.Equal(new DateTime(2000, 1, 2, 0, 0, 0, DateTimeKind.Utc), commit.CommitTimestamp);
        Assert.Equal(0, _streamed.InProgress);
    }

    [Fact]
    public void TryTake_SubtransactionAborted_DropsItsChangesAndThoseOfSubtransactionsBegunInsideIt()
    {
        Stream(Top, true, (Top, "1"), (701, "2"), (702, "3"));
        Stream(Top, false, (701, "4"), (Top, "5"));
        Assert.True(Take(PgOutputBytes.Message('A').Int32(Top).Int32(701).ToArray(), out _));
        Stream(Top, false, (Top, "6"), (703, "7"));
        Assert.True(Take(PgOutputBytes.Message('A').Int32(Top).Int32(702).ToArray(), out _)); // gone with 701 already
        Assert.True(Take(StreamCommit(Top), out var committed));

        Assert.Equal(["1", "6", "7"], Replay(committed!, out _, out _));
    }

    [Fact]
    public void TryTake_TransactionAborted_DropsItWhileAnotherStreamedBesideItCommits()
    {
        Stream(Top, true, (Top, "1"));
        Stream(800, true, (800, "2"));
        Stream(Top, false, (Top, "3"));
        Assert.True(Take(PgOutputBytes.Message('A').Int32(Top).Int32(Top).ToArray(), out _));
        Assert.Equal(1, _streamed.InProgress);
        Assert.True(Take(StreamCommit(800), out var committed));

        Assert.Equal(["2"], Replay(committed!, out _, out _));
        Assert.Equal(0, _streamed.InProgress);
    }

    [Fact]
    public void TryTake_MessagesOutsideAStream_AreLeftToTheDecoder()
    {
        Assert.False(Take(PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Tuple("1").ToArray(), out _));
        Assert.False(Take(PgOutputBytes.Message('B').Int64(1).Int64(2).Int32(3).ToArray(), out _));
        Assert.True(Take(StreamStart(Top, true), out _));
        Assert.True(Take(PgOutputBytes.Message('O').Int64(1).CString("origin").ToArray(), out _));
        Assert.True(Take([(byte)'E'], out _));
        Assert.False(Take(PgOutputBytes.Message('C').Byte(0).Int64(1).Int64(2).Int64(3).ToArray(), out _));
    }

    [Fact]
    public void TryTake_CommitOfATransactionNeverStreamed_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Take(StreamCommit(900), out _));

    [Fact]
    public void TryTake_LaterBlockOfATransactionWhoseFirstWasNotSeen_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Take(StreamStart(900, first: false), out _));
}

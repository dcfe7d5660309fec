using NpgsqlTypes;
using WalSync.Replication;

namespace WalSync.Tests.Replication;

public class PgOutputDecoderTests
{
    private static readonly NpgsqlLogSequenceNumber WalEnd = new(0x1234);

    private static PgOutputDecoder DecoderWithItems(RowImagePool? rows = null)
    {
        var decoder = new PgOutputDecoder(rows: rows);
        Decode(decoder, PgOutputBytes.Relation(16384, "public", "items", 'd', ("id", 23, true), ("name", 25, false), ("note", 25, false)));
        return decoder;
    }

    private static (PgOutputMessageKind Kind, ChangeEvent Change) Decode(PgOutputDecoder decoder, byte[] message)
    {
        var kind = decoder.Decode(message, WalEnd, out var change);
        return (kind, change);
    }

    private static string[] Values(RowImage row) => [.. Enumerable.Range(0, row.ColumnCount).Select(i => row.GetKind(i) switch
    {
        ColumnValueKind.Null => "(null)",
        ColumnValueKind.UnchangedToast => "(unchanged)",
        _ => row.GetString(i) ?? "",
    })];

    [Fact]
    public void Decode_Relation_RemembersColumnsKeysAndReplicaIdentity()
    {
        var decoder = DecoderWithItems();

        var relation = decoder.LastRelation!;

        Assert.Equal((16384u, "public", "items", ReplicaIdentity.Default), (relation.RelationId, relation.Namespace, relation.Name, relation.ReplicaIdentity));
        Assert.Equal(["id", "name", "note"], relation.Columns.Select(c => c.Name));
        Assert.Equal([23u, 25u, 25u], relation.Columns.Select(c => c.TypeOid));
        Assert.Equal([true, false, false], relation.Columns.Select(c => c.IsKey));
        Assert.All(relation.Columns, c => Assert.Equal(-1, c.TypeModifier));
    }

    [Fact]
    public void Decode_RelationWithEmptyNamespace_MeansPgCatalog()
    {
        var decoder = new PgOutputDecoder();

        var (kind, _) = Decode(decoder, PgOutputBytes.Relation(1259, "", "pg_class", 'n', ("oid", 26, false)));

        Assert.Equal(PgOutputMessageKind.Relation, kind);
        Assert.Equal("pg_catalog.pg_class", decoder.LastRelation!.QualifiedName);
    }

    [Fact]
    public void Decode_Insert_CopiesTextNullAndNonAsciiValues()
    {
        var decoder = DecoderWithItems();

        var (kind, change) = Decode(decoder, PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Tuple("7", "h\u00e9llo \"q\"", null).ToArray());

        Assert.Equal(PgOutputMessageKind.Change, kind);
        Assert.Equal(ChangeKind.Insert, change.Kind);
        Assert.Same(decoder.LastRelation, change.Relation);
        Assert.Equal(WalEnd, change.Lsn);
        Assert.True(change.OldRow.IsEmpty);
        Assert.Equal(["7", "h\u00e9llo \"q\"", "(null)"], Values(change.NewRow));
    }

    [Fact]
    public void Decode_InsertOfRelationSeenOnlyInCatalog_UsesThatRelation()
    {
        var decoder = new PgOutputDecoder();
        var catalog = new RelationInfo(99, "public", "t", ReplicaIdentity.Default, [new ColumnInfo("id", 23, -1, true)]);
        decoder.AddRelation(catalog);

        var (_, change) = Decode(decoder, PgOutputBytes.Message('I').Int32(99).Byte((byte)'N').Tuple("1").ToArray());

        Assert.Same(catalog, change.Relation);
    }

    [Fact]
    public void Decode_UpdateWithoutOldPart_HasOnlyNewRowWithUnchangedToast()
    {
        var decoder = DecoderWithItems();

        var (_, change) = Decode(decoder, PgOutputBytes.Message('U').Int32(16384).Byte((byte)'N').Tuple("7", "new", PgOutputBytes.Unchanged).ToArray());

        Assert.Equal(ChangeKind.Update, change.Kind);
        Assert.True(change.OldRow.IsEmpty);
        Assert.Equal(["7", "new", "(unchanged)"], Values(change.NewRow));
    }

    [Theory]
    [InlineData('K')]
    [InlineData('O')]
    public void Decode_UpdateWithOldKeyOrRow_ReadsBothTuples(char oldPart)
    {
        var decoder = DecoderWithItems();
        var message = PgOutputBytes.Message('U').Int32(16384).Byte((byte)oldPart).Tuple("6", null, null).Byte((byte)'N').Tuple("7", "n", "x").ToArray();

        var (_, change) = Decode(decoder, message);

        Assert.Equal(["6", "(null)", "(null)"], Values(change.OldRow));
        Assert.Equal(["7", "n", "x"], Values(change.NewRow));
    }

    [Fact]
    public void Decode_UpdateWithPool_TakesOnlyTheNewRowsArrayFromIt()
    {
        var pool = new RowImagePool();
        var given = pool.Rent(40);
        pool.Return([new RowImage(given)]);
        var decoder = DecoderWithItems(pool);
        var message = PgOutputBytes.Message('U').Int32(16384).Byte((byte)'O').Tuple("6", "old", null).Byte((byte)'N').Tuple("7", "n", "x").ToArray();

        var (_, change) = Decode(decoder, message);

        // The new row goes on to a batch, which gives its array back once flushed; the old row only gives keys.
        Assert.Same(given, change.NewRow.Buffer);
        Assert.NotSame(given, change.OldRow.Buffer);
        Assert.Equal(["7", "n", "x"], Values(change.NewRow));
        Assert.Equal(["6", "old", "(null)"], Values(change.OldRow));
    }

    [Theory]
    [InlineData('K')]
    [InlineData('O')]
    public void Decode_Delete_ReadsTheOldKeyOrRow(char oldPart)
    {
        var decoder = DecoderWithItems();

        var (kind, change) = Decode(decoder, PgOutputBytes.Message('D').Int32(16384).Byte((byte)oldPart).Tuple("7", null, null).ToArray());

        Assert.Equal(PgOutputMessageKind.Change, kind);
        Assert.Equal(ChangeKind.Delete, change.Kind);
        Assert.True(change.NewRow.IsEmpty);
        Assert.Equal(["7", "(null)", "(null)"], Values(change.OldRow));
    }

    [Fact]
    public void Decode_Truncate_ListsEveryRelation()
    {
        var decoder = DecoderWithItems();
        var items = decoder.LastRelation!;
        Decode(decoder, PgOutputBytes.Relation(16390, "public", "other", 'f', ("k", 20, true)));

        var (_, change) = Decode(decoder, PgOutputBytes.Message('T').Int32(2).Byte(1).Int32(16384).Int32(16390).ToArray());

        Assert.Equal(ChangeKind.Truncate, change.Kind);
        Assert.Equal([items, decoder.LastRelation!], change.TruncatedRelations!);
    }

    [Fact]
    public void Decode_Commit_GivesTheTransactionEndLsnAndUtcTime()
    {
        var decoder = new PgOutputDecoder();
        var message = PgOutputBytes.Message('C').Byte(0).Int64(0x155D848).Int64(0x155D878).Int64(1_000_000).ToArray();

        var (kind, change) = Decode(decoder, message);

        Assert.Equal(PgOutputMessageKind.Commit, kind);
        Assert.Equal(ChangeKind.Commit, change.Kind);
        Assert.Equal(new NpgsqlLogSequenceNumber(0x155D878), change.TransactionEndLsn);
        Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 1, DateTimeKind.Utc), change.CommitTimestamp);
        Assert.Equal(DateTimeKind.Utc, change.CommitTimestamp.Kind);
    }

    [Theory]
    [InlineData('Y', "Ignored")]
    [InlineData('O', "Ignored")]
    [InlineData('S', "Unknown")]
    public void Decode_OtherMessages_AreClassifiedWithoutAChange(char type, string expected)
    {
        var (kind, change) = Decode(new PgOutputDecoder(), PgOutputBytes.Message(type).Int64(0).ToArray());

        Assert.Equal(expected, kind.ToString());
        Assert.Equal(default, change);
    }

    [Fact]
    public void Decode_BeginThenCommit_CommitCarriesTheTransactionId()
    {
        var decoder = new PgOutputDecoder();

        var (begin, _) = Decode(decoder, PgOutputBytes.Message('B').Int64(0x155D878).Int64(0).Int32(731).ToArray());
        var (_, commit) = Decode(decoder, PgOutputBytes.Message('C').Byte(0).Int64(0x155D848).Int64(0x155D878).Int64(0).ToArray());

        Assert.Equal(PgOutputMessageKind.Begin, begin);
        Assert.Equal(731u, commit.TransactionId);
    }

    [Fact]
    public void Decode_WatermarkMessage_BecomesAWatermarkChange()
    {
        var content = System.Text.Encoding.UTF8.GetBytes("run:7:H");
        var message = PgOutputBytes.Message('M').Byte(0).Int64(0x1000).CString(PgOutputDecoder.WatermarkPrefix).Int32(content.Length).ToArray().Concat(content).ToArray();

        var (kind, change) = Decode(new PgOutputDecoder(), message);

        Assert.Equal(PgOutputMessageKind.Change, kind);
        Assert.Equal((ChangeKind.Watermark, "run:7:H"), (change.Kind, change.Watermark));
    }

    [Fact]
    public void Decode_OtherLogicalMessage_Ignored()
    {
        var message = PgOutputBytes.Message('M').Byte(0).Int64(0x1000).CString("walsync_heartbeat").Int32(0).ToArray();

        var (kind, change) = Decode(new PgOutputDecoder(), message);

        Assert.Equal(PgOutputMessageKind.Ignored, kind);
        Assert.Equal(default, change);
    }

    [Fact]
    public void Decode_ChangeOfUndescribedRelation_Throws()
    {
        var message = PgOutputBytes.Message('I').Int32(4242).Byte((byte)'N').Tuple("1").ToArray();

        var error = Assert.Throws<InvalidOperationException>(() => Decode(new PgOutputDecoder(), message));

        Assert.Contains("4242", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BinaryValueInTextStream_ThrowsForARestartInTextNamingTheColumn()
    {
        var message = PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Int16(1).Byte((byte)'b').Int32(4).Int32(7).ToArray();

        var error = Assert.Throws<UnreadableBinaryValueException>(() => Decode(DecoderWithItems(), message));

        Assert.Contains("column public.items.id (type OID 23) in binary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BinaryValueOfKnownType_RowHoldsItsTextForm()
    {
        var message = PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Int16(1).Byte((byte)'b').Int32(4).Int32(-7).ToArray();
        var decoder = new PgOutputDecoder(new Dictionary<uint, BinaryType> { [23] = BinaryType.Int4 });
        Decode(decoder, PgOutputBytes.Relation(16384, "public", "items", 'd', ("id", 23, true)));

        var (_, change) = Decode(decoder, message);

        Assert.Equal("-7", change.NewRow.GetString(0));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(14)]
    public void Decode_CutShortInsert_ThrowsFormatException(int keep)
    {
        var message = PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Tuple("7", "abc", null).ToArray();

        Assert.Throws<FormatException>(() => Decode(DecoderWithItems(), message[..keep]));
    }

    [Fact]
    public void Decode_TupleMarkedWithUnknownPart_ThrowsFormatException()
    {
        var message = PgOutputBytes.Message('U').Int32(16384).Byte((byte)'X').Tuple("7", "a", "b").ToArray();

        Assert.Throws<FormatException>(() => Decode(DecoderWithItems(), message));
    }

    [Fact]
    public void Decode_EmptyMessage_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Decode(new PgOutputDecoder(), []));

    [Fact]
    public void Decode_Insert_AllocatesOnlyTheRowImage()
    {
        var decoder = DecoderWithItems();
        var message = PgOutputBytes.Message('I').Int32(16384).Byte((byte)'N').Tuple("7", new string('d', 200), null).ToArray();
        var size = decoder.Decode(message, WalEnd, out var first) == PgOutputMessageKind.Change ? first.NewRow.SizeInBytes : 0;
        for (var i = 0; i < 100; i++)
        {
            decoder.Decode(message, WalEnd, out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            decoder.Decode(message, WalEnd, out _);
        }
        var perRow = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;

        // One byte array: its bytes plus the array header (24 bytes on 64-bit), rounded up to 8.
        Assert.InRange(perRow, size, size + 32);
    }

    [Fact]
    public void Options_Protocol2_AsksForTextWithoutStreamingAndWithMessages()
    {
        var options = PgOutputDecoder.Options("my \"pub\"", 2).ToDictionary(o => o.Key, o => o.Value);

        Assert.Equal("2", options["proto_version"]);
        Assert.Equal("\"my \"\"pub\"\"\"", options["publication_names"]);
        Assert.Equal("false", options["binary"]);
        Assert.Equal("off", options["streaming"]);
        Assert.Equal("true", options["messages"]);
    }

    [Fact]
    public void Options_Protocol1_LeavesOutVersion2Options()
    {
        var options = PgOutputDecoder.Options("walsync", 1).Select(o => o.Key);

        Assert.Equal(["proto_version", "publication_names", "binary"], options);
    }
}

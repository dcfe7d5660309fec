using System.Buffers.Binary;
using WalSync.Replication;

namespace WalSync.Tests.Replication;

/// <summary>Rows that keep some values in their binary form read like rows of text.</summary>
public sealed class RowImageTests
{
    private static readonly Dictionary<uint, BinaryType> NoTypes = [];

    [Fact]
    public void AddBinaryValue_KeptForm_StaysBinaryAndReadsAsPostgresText()
    {
        var row = Row(b => b.AddBinaryValue(BinaryType.TimestampTz, Int64(-1), NoTypes), b => b.AddBinaryValue(BinaryType.Numeric, OnePointFive(), NoTypes));

        Assert.True(row.TryGetBinary(0, out var form, out var value));
        Assert.Equal(BinaryType.TimestampTz, form);
        Assert.Equal(Int64(-1), value.ToArray());
        Assert.Equal(ColumnValueKind.Text, row.GetKind(0));
        Assert.Equal("1999-12-31 23:59:59.999999+00", row.GetString(0));
        // numeric is not kept: it is stored as its text.
        Assert.False(row.TryGetBinary(1, out _, out _));
        Assert.Equal("1.5", row.GetString(1));
    }

    [Fact]
    public void AddBinaryValue_KeptFormOfTheWrongSize_ThrowsFormatException()
    {
        var builder = new RowImageBuilder();
        builder.Start(1);

        var error = Assert.Throws<FormatException>(() => builder.AddBinaryValue(BinaryType.Int8, new byte[4], NoTypes));
        Assert.Contains("4 bytes where 8 were expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_SameValuesOneRowBinaryOneText_Equal()
    {
        var binary = Row(b => b.AddText("7"u8), b => b.AddBinaryValue(BinaryType.Int4, Int32(42), NoTypes));
        var text = Row(b => b.AddText("7"u8), b => b.AddText("42"u8));
        var other = Row(b => b.AddText("7"u8), b => b.AddText("43"u8));

        Assert.Equal(text, binary);
        Assert.Equal(binary, text);
        Assert.NotEqual(other, binary);
    }

    [Fact]
    public void FillUnchangedToastFrom_KeepsBinaryValuesBinary()
    {
        var older = Row(b => b.AddBinaryValue(BinaryType.Int4, Int32(1), NoTypes), b => b.AddText("long text"u8), b => b.AddBinaryValue(BinaryType.Bool, [1], NoTypes));
        var newer = Row(b => b.AddBinaryValue(BinaryType.Int4, Int32(2), NoTypes), b => b.AddUnchangedToast(), b => b.AddNull());

        var filled = newer.FillUnchangedToastFrom(older);

        Assert.True(filled.TryGetBinary(0, out var form, out var value));
        Assert.Equal((BinaryType.Int4, 2), (form, BinaryPrimitives.ReadInt32BigEndian(value)));
        Assert.Equal("long text", filled.GetString(1));
        Assert.Equal(ColumnValueKind.Null, filled.GetKind(2));
    }

    private static RowImage Row(params Action<RowImageBuilder>[] columns)
    {
        var builder = new RowImageBuilder();
        builder.Start(columns.Length);
        foreach (var column in columns)
        {
            column(builder);
        }
        return builder.Build();
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    // numeric_send of 1.5: two base-10000 digit groups (1, 5000), weight 0, sign +, display scale 1.
    private static byte[] OnePointFive()
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt16BigEndian(bytes, 2);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(6), 1);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(8), 1);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(10), 5000);
        return bytes;
    }
}

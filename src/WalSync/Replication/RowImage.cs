using System.Buffers.Binary;

namespace WalSync.Replication;

/// <summary>
/// One row's column values, packed into a single byte array so that a decoded row costs one allocation. A value is
/// kept in PostgreSQL's text output form, or, for the fixed-size binary forms the document mapper writes straight into
/// JSON (<see cref="BinaryLength"/>), in its binary form; <see cref="GetText"/> gives the text form of either.
/// </summary>
/// <remarks>
/// Layout: Int32 column count N, then N pairs of Int32 (offset, length) where length -1 means NULL and -2 an
/// unchanged TOASTed value, then the bytes of the values: UTF-8 text, or, where the offset is negated, a
/// <see cref="BinaryType"/> byte followed by the binary value; offsets count from the image's start. An array from a
/// <see cref="RowImagePool"/> may be longer than the image; a <see cref="RowImageArena"/> packs many images into one
/// array, each at its own start. Built by <see cref="RowImageBuilder"/>.
/// </remarks>
internal readonly struct RowImage : IEquatable<RowImage>
{
    internal const int NullLength = -1;
    internal const int UnchangedToastLength = -2;

    private readonly byte[]? _buffer;
    private readonly int _start;

    internal RowImage(byte[] buffer, int start = 0)
    {
        _buffer = buffer;
        _start = start;
    }

    /// <summary>True for the default value: no row was sent.</summary>
    public bool IsEmpty => _buffer is null;

    /// <summary>Number of columns (0 when <see cref="IsEmpty"/>).</summary>
    public int ColumnCount => _buffer is null ? 0 : BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));

    /// <summary>Size of the array the row is packed in, in bytes (for a row of a <see cref="RowImageArena"/>, the
    /// arena's block it shares with other rows).</summary>
    public int SizeInBytes => _buffer?.Length ?? 0;

    /// <summary>The array the row is packed in.</summary>
    internal byte[]? Buffer => _buffer;

    /// <summary>True when any column is an unchanged TOASTed value.</summary>
    public bool HasUnchangedToast
    {
        get
        {
            for (var i = 0; i < ColumnCount; i++)
            {
                if (GetKind(i) == ColumnValueKind.UnchangedToast)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>How column <paramref name="column"/> is present.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is outside the row.</exception>
    public ColumnValueKind GetKind(int column) => ReadLength(column) switch
    {
        NullLength => ColumnValueKind.Null,
        UnchangedToastLength => ColumnValueKind.UnchangedToast,
        _ => ColumnValueKind.Text,
    };

    /// <summary>The UTF-8 text form of column <paramref name="column"/>; empty for NULL and unchanged TOAST (check <see cref="GetKind"/>).</summary>
    /// <remarks>A value kept in its binary form is turned into text on every call, in a new array: hot paths read
    /// such values with <see cref="TryGetBinary"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The column is outside the row.</exception>
    public ReadOnlySpan<byte> GetText(int column)
    {
        var stored = GetStored(column, out var binary);
        if (!binary)
        {
            return stored;
        }
        var form = (BinaryType)stored[0];
        var text = new byte[PgBinaryText.SizeHint(stored.Length)];
        return text.AsSpan(0, PgBinaryText.TryWrite(form, stored[1..], text));
    }

    /// <summary>
    /// The binary value of column <paramref name="column"/> and its form, when the row keeps it in binary; false for a
    /// text value, NULL and unchanged TOAST.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is outside the row.</exception>
    public bool TryGetBinary(int column, out BinaryType form, out ReadOnlySpan<byte> value)
    {
        var stored = GetStored(column, out var binary);
        form = binary ? (BinaryType)stored[0] : default;
        value = binary ? stored[1..] : default;
        return binary;
    }

    /// <summary>The bytes of column <paramref name="column"/> as stored: text, or the form byte and the binary value
    /// when <paramref name="binary"/>; empty for NULL and unchanged TOAST.</summary>
    internal ReadOnlySpan<byte> GetStored(int column, out bool binary)
    {
        var length = ReadLength(column);
        binary = false;
        if (length < 0)
        {
            return default;
        }
        var offset = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + 4 + (column * 8)));
        binary = offset < 0;
        return _buffer.AsSpan(_start + (binary ? -offset : offset), length);
    }

    /// <summary>
    /// The size in bytes of a value of <paramref name="form"/> when rows keep that form binary, otherwise -1. Kept are
    /// the fixed-size forms whose JSON the mapper writes from the binary value (numbers, booleans, dates and timestamps
    /// as Unix seconds) or whose binary form is much smaller than its text (uuid).
    /// </summary>
    public static int BinaryLength(BinaryType form) => form switch
    {
        BinaryType.Bool => 1,
        BinaryType.Int2 => 2,
        BinaryType.Int4 or BinaryType.Float4 or BinaryType.Date => 4,
        BinaryType.Int8 or BinaryType.Float8 or BinaryType.Timestamp or BinaryType.TimestampTz => 8,
        BinaryType.Uuid => 16,
        _ => -1,
    };

    /// <summary>The text form of column <paramref name="column"/> as a string, or null when it is not a value.</summary>
    public string? GetString(int column) =>
        GetKind(column) == ColumnValueKind.Text ? System.Text.Encoding.UTF8.GetString(GetText(column)) : null;

    /// <summary>
    /// This row with every unchanged TOASTed column filled from <paramref name="older"/> where the older row has a
    /// value for it. Returns this row itself when there is nothing to fill.
    /// </summary>
    /// <remarks>Only values are taken from the older row: a 'K' key tuple sends non-key columns as 'n', which means
    /// "not sent", so those columns stay unchanged-TOAST here.</remarks>
    /// <param name="older">An earlier image of the same row with the same columns (an 'O' old row, a 'K' key tuple or an earlier change).</param>
    public RowImage FillUnchangedToastFrom(RowImage older)
    {
        if (!HasUnchangedToast || older.IsEmpty || older.ColumnCount != ColumnCount)
        {
            return this;
        }
        var builder = new RowImageBuilder();
        builder.Start(ColumnCount);
        for (var i = 0; i < ColumnCount; i++)
        {
            var source = GetKind(i) == ColumnValueKind.UnchangedToast && older.GetKind(i) == ColumnValueKind.Text ? older : this;
            builder.AddFrom(source, i);
        }
        return builder.Build();
    }

    private int ReadLength(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, ColumnCount);
        return BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + 8 + (column * 8)));
    }

    /// <inheritdoc/>
    public bool Equals(RowImage other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return IsEmpty == other.IsEmpty;
        }
        if (ColumnCount != other.ColumnCount)
        {
            return false;
        }
        for (var i = 0; i < ColumnCount; i++)
        {
            if (GetKind(i) != other.GetKind(i))
            {
                return false;
            }
            var mine = GetStored(i, out var binary);
            var theirs = other.GetStored(i, out var otherBinary);
            if (binary == otherBinary ? !mine.SequenceEqual(theirs) : !GetText(i).SequenceEqual(other.GetText(i)))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RowImage other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ColumnCount;

    /// <summary>Value equality of two row images.</summary>
    public static bool operator ==(RowImage left, RowImage right) => left.Equals(right);

    /// <summary>Value inequality of two row images.</summary>
    public static bool operator !=(RowImage left, RowImage right) => !left.Equals(right);
}

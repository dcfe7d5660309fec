using System.Buffers.Binary;
using System.Text;

namespace WalSync.Replication;

/// <summary>
/// Builds <see cref="RowImage"/>s column by column in a scratch buffer that is reused from row to row, then copies
/// the result into one exactly sized array. Not thread-safe: one builder per reading loop.
/// </summary>
internal sealed class RowImageBuilder
{
    private byte[] _scratch = new byte[4096];
    private int _columnCount;
    private int _added;
    private int _dataEnd;

    /// <summary>Begins a row of <paramref name="columnCount"/> columns, discarding any unfinished one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="columnCount"/> is negative.</exception>
    public void Start(int columnCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        _columnCount = columnCount;
        _added = 0;
        _dataEnd = 4 + (columnCount * 8);
        EnsureCapacity(_dataEnd);
        BinaryPrimitives.WriteInt32LittleEndian(_scratch, columnCount);
    }

    /// <summary>Adds a NULL column.</summary>
    public void AddNull() => AddSlot(0, RowImage.NullLength);

    /// <summary>Adds an unchanged-TOAST column.</summary>
    public void AddUnchangedToast() => AddSlot(0, RowImage.UnchangedToastLength);

    /// <summary>Adds a column holding the UTF-8 text <paramref name="utf8"/>.</summary>
    public void AddText(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(GetSpan(utf8.Length));
        Advance(utf8.Length);
    }

    /// <summary>Adds a column holding <paramref name="text"/> (encoded as UTF-8).</summary>
    public void AddText(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var written = Encoding.UTF8.GetBytes(text, GetSpan(max));
        Advance(written);
    }

    /// <summary>Adds a column holding the text form of the binary value <paramref name="value"/> (<see cref="PgBinaryText"/>).</summary>
    /// <param name="form">The value's binary form.</param>
    /// <param name="value">The binary value.</param>
    /// <param name="types">Binary forms by type OID, for an array's elements.</param>
    /// <exception cref="FormatException">The value is malformed.</exception>
    /// <exception cref="UnreadableBinaryValueException">An array's elements have a type WalSync does not read in binary.</exception>
    public void AddBinary(BinaryType form, ReadOnlySpan<byte> value, IReadOnlyDictionary<uint, BinaryType> types)
    {
        var room = PgBinaryText.SizeHint(value.Length);
        int written;
        while ((written = PgBinaryText.TryWrite(form, value, GetSpan(room), types)) < 0)
        {
            room *= 2;
        }
        Advance(written);
    }

    /// <summary>
    /// Adds a column holding the binary value <paramref name="value"/> as it is, when rows keep <paramref name="form"/>
    /// binary (<see cref="RowImage.BinaryLength"/>), otherwise its text form (<see cref="AddBinary"/>).
    /// </summary>
    /// <param name="form">The value's binary form.</param>
    /// <param name="value">The binary value.</param>
    /// <param name="types">Binary forms by type OID, for an array's elements.</param>
    /// <exception cref="FormatException">The value is malformed (of a kept form: not of its size).</exception>
    /// <exception cref="UnreadableBinaryValueException">An array's elements have a type WalSync does not read in binary.</exception>
    public void AddBinaryValue(BinaryType form, ReadOnlySpan<byte> value, IReadOnlyDictionary<uint, BinaryType> types)
    {
        var length = RowImage.BinaryLength(form);
        if (length < 0)
        {
            AddBinary(form, value, types);
            return;
        }
        if (value.Length != length)
        {
            throw new FormatException($"pgoutput sent a binary value of {value.Length} bytes where {length} were expected.");
        }
        var destination = GetSpan(length + 1);
        destination[0] = (byte)form;
        value.CopyTo(destination[1..]);
        AdvanceBinary(length + 1);
    }

    /// <summary>Adds column <paramref name="column"/> of <paramref name="row"/> as that row holds it (NULL, unchanged
    /// TOAST, text or binary).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is outside the row.</exception>
    public void AddFrom(RowImage row, int column)
    {
        switch (row.GetKind(column))
        {
            case ColumnValueKind.Null:
                AddNull();
                return;
            case ColumnValueKind.UnchangedToast:
                AddUnchangedToast();
                return;
        }
        var stored = row.GetStored(column, out var binary);
        stored.CopyTo(GetSpan(stored.Length));
        if (binary)
        {
            AdvanceBinary(stored.Length);
        }
        else
        {
            Advance(stored.Length);
        }
    }

    /// <summary>A buffer of at least <paramref name="sizeHint"/> bytes where the next column's value may be written; finish with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        EnsureCapacity(_dataEnd + sizeHint);
        return _scratch.AsSpan(_dataEnd);
    }

    /// <summary>Like <see cref="GetSpan"/>, as memory for asynchronous reads.</summary>
    public Memory<byte> GetMemory(int sizeHint)
    {
        EnsureCapacity(_dataEnd + sizeHint);
        return _scratch.AsMemory(_dataEnd);
    }

    /// <summary>Completes a column whose <paramref name="length"/> bytes were written into <see cref="GetSpan"/>.</summary>
    public void Advance(int length)
    {
        AddSlot(_dataEnd, length);
        _dataEnd += length;
    }

    // Completes a column of a form byte and a binary value: its offset is negated (RowImage's layout).
    private void AdvanceBinary(int length)
    {
        AddSlot(-_dataEnd, length);
        _dataEnd += length;
    }

    /// <summary>Copies the finished row into room taken from <paramref name="arena"/>.</summary>
    /// <exception cref="InvalidOperationException">Fewer columns were added than <see cref="Start"/> announced.</exception>
    public RowImage Build(RowImageArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        CheckComplete();
        var (array, start) = arena.Take(_dataEnd);
        _scratch.AsSpan(0, _dataEnd).CopyTo(array.AsSpan(start));
        return new RowImage(array, start);
    }

    /// <summary>Copies the finished row into a new <see cref="RowImage"/>, in an array of <paramref name="pool"/> when given.</summary>
    /// <exception cref="InvalidOperationException">Fewer columns were added than <see cref="Start"/> announced.</exception>
    public RowImage Build(RowImagePool? pool = null)
    {
        CheckComplete();
        if (pool is null)
        {
            return new RowImage(_scratch.AsSpan(0, _dataEnd).ToArray());
        }
        var array = pool.Rent(_dataEnd);
        _scratch.AsSpan(0, _dataEnd).CopyTo(array);
        return new RowImage(array);
    }

    private void CheckComplete()
    {
        if (_added != _columnCount)
        {
            throw new InvalidOperationException($"The row announced {_columnCount} columns but {_added} were added.");
        }
    }

    private void AddSlot(int offset, int length)
    {
        if (_added >= _columnCount)
        {
            throw new InvalidOperationException($"The row announced {_columnCount} columns; a further column was added.");
        }
        var slot = _scratch.AsSpan(4 + (_added * 8));
        BinaryPrimitives.WriteInt32LittleEndian(slot, offset);
        BinaryPrimitives.WriteInt32LittleEndian(slot[4..], length);
        _added++;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(needed, _scratch.Length * 2));
        }
    }
}

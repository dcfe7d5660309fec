namespace WalSync.Replication;

/// <summary>
/// Packs the rows of one backfill chunk one after another into blocks of <see cref="BlockBytes"/> bytes, which
/// <see cref="Reset"/> keeps for the next chunk: where an array a row (even a pooled one) cost a rent, a return and an
/// object for the GC to trace, a chunk of 10,000 rows costs a few blocks, allocated once. Not thread-safe: one reader
/// fills it, and it is reset only after the rows' last reader (the flushed batch) is done with them.
/// </summary>
internal sealed class RowImageArena
{
    /// <summary>Bytes of a block (1 MiB); a row larger than a quarter of it gets an array of its own.</summary>
    internal const int BlockBytes = 1 << 20;

    private readonly List<byte[]> _blocks = [];
    private int _block = -1;
    private int _used = BlockBytes;

    /// <summary>Bytes held in blocks (the rows' own arrays not counted).</summary>
    public long SizeInBytes => (long)_blocks.Count * BlockBytes;

    /// <summary>Room for a row of <paramref name="bytes"/> bytes, valid until <see cref="Reset"/>.</summary>
    /// <returns>The array and where in it the row starts.</returns>
    public (byte[] Array, int Start) Take(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > BlockBytes / 4)
        {
            return (new byte[bytes], 0);
        }
        if (_used + bytes > BlockBytes)
        {
            if (++_block == _blocks.Count)
            {
                _blocks.Add(new byte[BlockBytes]);
            }
            _used = 0;
        }
        var start = _used;
        _used += bytes;
        return (_blocks[_block], start);
    }

    /// <summary>Forgets every row taken: their room is given to the next ones.</summary>
    public void Reset()
    {
        _block = -1;
        _used = BlockBytes;
    }
}

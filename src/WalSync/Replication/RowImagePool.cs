namespace WalSync.Replication;

/// <summary>
/// Arrays for the row images of one backfill, used again once the batch holding their rows is flushed. A chunk's rows
/// live from their read until that flush, long enough to outlive the GC's youngest generation and be copied into the
/// older ones, which then need full collections to free them; arrays kept here are allocated once per backfill.
/// </summary>
/// <remarks>Arrays are sized in steps of <see cref="Step"/> bytes up to <see cref="LargestPooled"/>; a larger row gets
/// its own array, which is not kept. The pool holds at most what its backfill held at once and is dropped with it.
/// Thread-safe.</remarks>
internal sealed class RowImagePool
{
    /// <summary>Array sizes are multiples of this many bytes.</summary>
    internal const int Step = 64;

    /// <summary>The largest array kept, in bytes.</summary>
    internal const int LargestPooled = 4096;

    private readonly Stack<byte[]>[] _free = Enumerable.Range(0, LargestPooled / Step).Select(_ => new Stack<byte[]>()).ToArray();

    /// <summary>An array of at least <paramref name="bytes"/> bytes, its contents undefined.</summary>
    public byte[] Rent(int bytes)
    {
        if (bytes > LargestPooled)
        {
            return new byte[bytes];
        }
        var size = Math.Max(Step, (bytes + Step - 1) / Step * Step);
        var free = _free[(size / Step) - 1];
        lock (free)
        {
            if (free.TryPop(out var array))
            {
                return array;
            }
        }
        return new byte[size];
    }

    /// <summary>Takes back the arrays of <paramref name="rows"/>, which nothing may read afterwards.</summary>
    public void Return(IEnumerable<RowImage> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            if (row.Buffer is { Length: <= LargestPooled and > 0 } array && array.Length % Step == 0)
            {
                var free = _free[(array.Length / Step) - 1];
                lock (free)
                {
                    free.Push(array);
                }
            }
        }
    }
}

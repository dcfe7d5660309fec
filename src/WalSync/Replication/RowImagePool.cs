namespace WalSync.Replication;

/// <summary>
/// Arrays for row images, used again once the batch holding their rows is flushed: the rows the stream sends (a
/// backfill's chunks pack theirs into a <see cref="RowImageArena"/>). A row lives from its read until that flush, long
/// enough to outlive the GC's youngest generation and be copied into the older ones, which then need full collections
/// to free them (a third of walsync's CPU while it wrote a large transaction, benchmarks/README.md "Row arrays used
/// again"); arrays kept here are allocated once.
/// </summary>
/// <remarks>Arrays are sized in steps of <see cref="Step"/> bytes up to <see cref="LargestPooled"/>; a larger row gets
/// its own array, which is not kept. The pool holds at most what was in flight at once, and at most the bytes given to
/// its constructor; it is dropped with its owner. Thread-safe.</remarks>
internal sealed class RowImagePool
{
    /// <summary>Array sizes are multiples of this many bytes.</summary>
    internal const int Step = 64;

    /// <summary>The largest array kept, in bytes.</summary>
    internal const int LargestPooled = 4096;

    /// <summary>The calling thread's lists of arrays being returned, one per size, kept from call to call: a list grown
    /// anew at each call was 6 % of what a backfill allocated.</summary>
    [ThreadStatic]
    private static List<byte[]>?[]? _threadReturned;

    private readonly Stack<byte[]>[] _free = Enumerable.Range(0, LargestPooled / Step).Select(_ => new Stack<byte[]>()).ToArray();
    private readonly long _maxBytes;
    private long _keptBytes;

    /// <summary>Creates a pool that keeps at most <paramref name="maxBytes"/> bytes of arrays (by default, no limit).</summary>
    public RowImagePool(long maxBytes = long.MaxValue) => _maxBytes = maxBytes;

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
                Interlocked.Add(ref _keptBytes, -array.Length);
                return array;
            }
        }
        return new byte[size];
    }

    /// <summary>Takes back the arrays of <paramref name="rows"/>, which nothing may read afterwards.</summary>
    public void Return(IEnumerable<RowImage> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        // Gathered by size first, so that each size's lock is taken once per call: taken per row, it kept the renting
        // thread waiting while a flushed batch's rows came back.
        var returned = _threadReturned ??= new List<byte[]>?[LargestPooled / Step];
        foreach (var row in rows)
        {
            if (row.Buffer is not { Length: <= LargestPooled and > 0 } array || array.Length % Step != 0)
            {
                continue;
            }
            if (Interlocked.Add(ref _keptBytes, array.Length) > _maxBytes)
            {
                // Over the limit: the array is left to the GC.
                Interlocked.Add(ref _keptBytes, -array.Length);
                continue;
            }
            (returned[(array.Length / Step) - 1] ??= []).Add(array);
        }
        for (var i = 0; i < returned.Length; i++)
        {
            if (returned[i] is { } arrays)
            {
                lock (_free[i])
                {
                    foreach (var array in arrays)
                    {
                        _free[i].Push(array);
                    }
                }
                arrays.Clear();
            }
        }
    }
}

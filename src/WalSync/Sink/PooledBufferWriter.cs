using System.Buffers;

namespace WalSync.Sink;

/// <summary>
/// A byte buffer writer over arrays rented from <see cref="Bodies"/>, for import bodies: a batch's body is megabytes,
/// and a fresh array of that size per batch would be a large-object-heap allocation, and a page fault per 4 KiB
/// written, each time. Not thread-safe. <see cref="Dispose"/> returns the array; nothing written may be used after it.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>
    /// The bodies' arrays: up to 16 MiB (a 5,000-row batch of 1 KiB documents fits in 8), four of each size, shared by
    /// every thread. Not <see cref="ArrayPool{T}.Shared"/>: a body is rendered on one thread and given back on another,
    /// and that pool keeps an array given back in the returning thread's own slot, where the next render seldom finds it.
    /// </summary>
    private static readonly ArrayPool<byte> Bodies = ArrayPool<byte>.Create(16 << 20, 4);

    private byte[] _buffer;
    private int _written;

    /// <summary>Rents a buffer of at least <paramref name="initialCapacity"/> bytes.</summary>
    public PooledBufferWriter(int initialCapacity) => _buffer = Bodies.Rent(Math.Max(initialCapacity, 256));

    /// <summary>Bytes written so far.</summary>
    public int WrittenCount => _written;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            Bodies.Return(buffer);
        }
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }
        var larger = Bodies.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        Bodies.Return(_buffer);
        _buffer = larger;
    }
}

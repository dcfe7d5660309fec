using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace WalSync.LoadHarness;

/// <summary>
/// A memory pool of 256 KB blocks for the null sink's Kestrel: the socket transport receives into one pool block at a
/// time, so with Kestrel's 4 KB blocks a 2 MB import body takes about 500 receive calls, each a system call and a
/// wake-up on the cores walsync is measured on; with these blocks it takes a handful.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    private const int BlockSize = 256 * 1024;

    /// <inheritdoc/>
    public override int MaxBufferSize => BlockSize;

    /// <inheritdoc/>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => this;

    /// <inheritdoc/>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, BlockSize)));

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // the blocks go back to the shared array pool as they are returned
    }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                ArrayPool<byte>.Shared.Return(returned);
            }
        }
    }
}

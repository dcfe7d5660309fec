using System.Text;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>A growable UTF-8 byte buffer, reused across writes to avoid allocations per document.</summary>
internal sealed class Utf8Buffer
{
    private byte[] _bytes;

    /// <summary>Creates a buffer with <paramref name="capacity"/> bytes reserved.</summary>
    public Utf8Buffer(int capacity = 1024) => _bytes = new byte[capacity];

    /// <summary>Number of bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _bytes.AsSpan(0, Length);

    /// <summary>The bytes written so far, as memory.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _bytes.AsMemory(0, Length);

    /// <summary>Forgets the content, keeps the capacity.</summary>
    public void Clear() => Length = 0;

    /// <summary>Drops bytes written after <paramref name="length"/>.</summary>
    public void Truncate(int length) => Length = length;

    /// <summary>Copies the content into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends one byte.</summary>
    public void Write(byte value)
    {
        Reserve(1);
        _bytes[Length++] = value;
    }

    /// <summary>Appends text known to be ASCII (numbers, fixed tokens).</summary>
    public void WriteAscii(string text)
    {
        Reserve(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            _bytes[Length++] = (byte)text[i];
        }
    }

    /// <summary>Appends text encoded as UTF-8, without any escaping.</summary>
    public void WriteUtf8(string text)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        Length += Encoding.UTF8.GetBytes(text, _bytes.AsSpan(Length));
    }

    private void Reserve(int extra)
    {
        if (Length + extra <= _bytes.Length)
        {
            return;
        }

        var size = Math.Max(_bytes.Length * 2, Length + extra);
        Array.Resize(ref _bytes, size);
    }
}

using System.Buffers.Binary;
using System.Text;

namespace WalSync.Replication;

/// <summary>Reads the fields of one pgoutput message in order: big-endian integers, C strings and byte runs.</summary>
/// <remarks>Field types: https://www.postgresql.org/docs/15/protocol-message-types.html</remarks>
internal ref struct PgOutputCursor
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;

    /// <summary>Starts at the first byte of <paramref name="message"/>.</summary>
    public PgOutputCursor(ReadOnlySpan<byte> message) => _message = message;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool AtEnd => _position == _message.Length;

    /// <summary>Reads a byte (Int8 or Byte1).</summary>
    /// <exception cref="FormatException">The message ends first.</exception>
    public byte ReadByte() => Take(1)[0];

    /// <summary>Reads an Int16.</summary>
    /// <exception cref="FormatException">The message ends first.</exception>
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    /// <summary>Reads an Int32.</summary>
    /// <exception cref="FormatException">The message ends first.</exception>
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    /// <summary>Reads an Int32 holding an OID.</summary>
    /// <exception cref="FormatException">The message ends first.</exception>
    public uint ReadOid() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    /// <summary>Reads an Int64.</summary>
    /// <exception cref="FormatException">The message ends first.</exception>
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    /// <summary>Reads the next <paramref name="length"/> bytes.</summary>
    /// <exception cref="FormatException">The length is negative or the message ends first.</exception>
    public ReadOnlySpan<byte> ReadBytes(int length) => Take(length);

    /// <summary>Reads a NUL-terminated UTF-8 string.</summary>
    /// <exception cref="FormatException">The message ends before the NUL.</exception>
    public string ReadCString()
    {
        var end = _message[_position..].IndexOf((byte)0);
        if (end < 0)
        {
            throw new FormatException("A pgoutput message ends inside a string.");
        }
        var text = Encoding.UTF8.GetString(_message.Slice(_position, end));
        _position += end + 1;
        return text;
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _message.Length - _position)
        {
            throw new FormatException($"A pgoutput message of {_message.Length} bytes ends before the {length} bytes at offset {_position}.");
        }
        var span = _message.Slice(_position, length);
        _position += length;
        return span;
    }
}

using System.Buffers.Binary;

namespace WalSync.Backfill;

/// <summary>
/// Reads the rows of a <c>COPY … TO STDOUT (FORMAT binary)</c> from its raw bytes, one whole row at a time, each field
/// a span of the reader's buffer that stays valid until the next row is read.
/// </summary>
/// <remarks>Format: https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4 — an 11-byte signature, Int32
/// flags, Int32 header extension length and the extension; per row Int16 field count (-1 ends the data), then per field
/// Int32 length (-1 for NULL) and the field's bytes in its type's binary (send) form.</remarks>
internal sealed class BinaryCopyReader
{
    /// <summary>"PGCOPY\n\377\r\n\0".</summary>
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _streamEnded;
    private int[] _offsets = new int[16];
    private int[] _lengths = new int[16];
    private bool _headerRead;

    /// <summary>Creates a reader of <paramref name="stream"/>, the raw COPY data.</summary>
    public BinaryCopyReader(Stream stream) => _stream = stream;

    /// <summary>Fields in the current row.</summary>
    public int FieldCount { get; private set; }

    /// <summary>True when field <paramref name="field"/> of the current row is NULL.</summary>
    public bool IsNull(int field) => _lengths[field] < 0;

    /// <summary>The bytes of field <paramref name="field"/> of the current row (empty for NULL).</summary>
    public ReadOnlySpan<byte> Field(int field) => _lengths[field] < 0 ? default : _buffer.AsSpan(_offsets[field], _lengths[field]);

    /// <summary>Reads the next row.</summary>
    /// <returns>False at the end of the data.</returns>
    /// <exception cref="FormatException">The data is not binary COPY or ends inside a row.</exception>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_headerRead)
        {
            await EnsureAsync(Signature.Length + 8, cancellationToken);
            if (!_buffer.AsSpan(_start, Signature.Length).SequenceEqual(Signature))
            {
                throw new FormatException("The COPY data does not start with the binary signature.");
            }
            var extension = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start + Signature.Length + 4));
            await EnsureAsync(Signature.Length + 8 + extension, cancellationToken);
            _start += Signature.Length + 8 + extension;
            _headerRead = true;
        }
        while (true)
        {
            var length = TryParseRow();
            if (length == 0)
            {
                return false;
            }
            if (length > 0)
            {
                _start += length;
                return true;
            }
            await EnsureAsync((_end - _start) + 1, cancellationToken);
        }
    }

    /// <summary>Parses the row at the buffer's start: its length in bytes, 0 at the end of the data, -1 when it is not whole yet.</summary>
    private int TryParseRow()
    {
        var data = _buffer.AsSpan(_start, _end - _start);
        if (data.Length < 2)
        {
            return -1;
        }
        int fields = BinaryPrimitives.ReadInt16BigEndian(data);
        if (fields == -1)
        {
            return 0;
        }
        if (fields > _offsets.Length)
        {
            Array.Resize(ref _offsets, fields);
            Array.Resize(ref _lengths, fields);
        }
        var at = 2;
        for (var i = 0; i < fields; i++)
        {
            if (data.Length < at + 4)
            {
                return -1;
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            at += 4;
            if (length > 0 && data.Length < at + length)
            {
                return -1;
            }
            _offsets[i] = _start + at;
            _lengths[i] = length;
            at += Math.Max(length, 0);
        }
        FieldCount = fields;
        return at;
    }

    /// <summary>Reads until at least <paramref name="bytes"/> unread bytes are buffered, moving them to the front and
    /// growing the buffer as needed.</summary>
    private async ValueTask EnsureAsync(int bytes, CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(bytes, _buffer.Length * 2));
        }
        while (_end < bytes)
        {
            if (_streamEnded)
            {
                throw new FormatException("The COPY data ended inside a row.");
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            _streamEnded = read == 0;
            _end += read;
        }
    }
}

using System.Buffers.Binary;
using System.Text.Unicode;
using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>
/// Writes PostgreSQL text-form values as JSON values into a reusable buffer, one instance per thread
/// (<see cref="Current"/>), so that mapping a row allocates nothing once the buffers have grown.
/// </summary>
internal sealed class JsonValueWriter
{
    // Scratch buffers larger than this are dropped after use so that one huge row does not pin memory per thread.
    private const int MaxRetainedBytes = 1 << 20;

    [ThreadStatic]
    private static JsonValueWriter? _current;

    // 2000-01-01 00:00 UTC, where PostgreSQL's dates and timestamps count from, in Unix seconds.
    private const long PostgresEpochUnixSeconds = 946_684_800;

    private byte[] _elementScratch = new byte[256];
    private byte[] _jsonScratch = new byte[256];

    /// <summary>This thread's writer.</summary>
    public static JsonValueWriter Current => _current ??= new JsonValueWriter();

    /// <summary>The JSON writer of the document being written.</summary>
    public JsonLineWriter Json { get; private set; } = new(1024);

    /// <summary>Empties the buffer for a new document.</summary>
    public void Begin()
    {
        if (Json.Capacity > MaxRetainedBytes)
        {
            Json = new JsonLineWriter(1024);
        }
        if (_elementScratch.Length > MaxRetainedBytes || _jsonScratch.Length > MaxRetainedBytes)
        {
            _elementScratch = new byte[256];
            _jsonScratch = new byte[256];
        }
        Json.Clear();
    }

    /// <summary>Writes one value of kind <paramref name="kind"/> from its text form.</summary>
    public ValueError WriteScalar(ScalarKind kind, ReadOnlySpan<byte> text)
    {
        var error = ValueError.None;
        switch (kind)
        {
            case ScalarKind.Int32:
                error = WriteCheckedNumber(PgNumberText.CheckInteger(text, int.MinValue, int.MaxValue), text);
                break;
            case ScalarKind.Int64:
                error = WriteCheckedNumber(PgNumberText.CheckInteger(text, long.MinValue, long.MaxValue), text);
                break;
            case ScalarKind.Float:
                error = WriteCheckedNumber(PgNumberText.CheckFloat(text), text);
                break;
            case ScalarKind.Bool when text.Length == 1 && (text[0] == (byte)'t' || text[0] == (byte)'f'):
                Json.BoolValue(text[0] == (byte)'t');
                break;
            case ScalarKind.Bool:
                error = ValueError.Malformed;
                break;
            case ScalarKind.Timestamp or ScalarKind.Date:
                error = PgDateTimeText.TryParseUnixSeconds(text, out var seconds);
                if (error == ValueError.None)
                {
                    Json.NumberValue(seconds);
                }
                break;
            case ScalarKind.JsonObject:
                error = WriteJsonObject(text);
                break;
            case ScalarKind.Uuid when text.ContainsAnyInRange((byte)'A', (byte)'F'):
                error = WriteString(LowerCase(text));
                break;
            default:
                error = WriteString(text);
                break;
        }
        return error;
    }

    /// <summary>
    /// Writes one value of kind <paramref name="kind"/> from a binary form a <see cref="RowImage"/> keeps
    /// (<see cref="RowImage.BinaryLength"/>): the same JSON as <see cref="WriteScalar"/> writes from the value's text
    /// form, without the text for integers, booleans, dates and timestamps.
    /// </summary>
    /// <param name="kind">The column's kind.</param>
    /// <param name="form">The binary form.</param>
    /// <param name="value">The binary value, of the form's size.</param>
    public ValueError WriteBinaryScalar(ScalarKind kind, BinaryType form, ReadOnlySpan<byte> value)
    {
        switch (form, kind)
        {
            case (BinaryType.Bool, ScalarKind.Bool):
                Json.BoolValue(value[0] != 0);
                return ValueError.None;
            case (BinaryType.Int2, ScalarKind.Int32 or ScalarKind.Int64 or ScalarKind.Float):
                Json.NumberValue(BinaryPrimitives.ReadInt16BigEndian(value));
                return ValueError.None;
            case (BinaryType.Int4, ScalarKind.Int32 or ScalarKind.Int64 or ScalarKind.Float):
                Json.NumberValue(BinaryPrimitives.ReadInt32BigEndian(value));
                return ValueError.None;
            case (BinaryType.Int8, ScalarKind.Int64 or ScalarKind.Float):
                Json.NumberValue(BinaryPrimitives.ReadInt64BigEndian(value));
                return ValueError.None;
            case (BinaryType.Timestamp or BinaryType.TimestampTz, ScalarKind.Timestamp or ScalarKind.Date):
                var microseconds = BinaryPrimitives.ReadInt64BigEndian(value);
                if (microseconds is long.MinValue or long.MaxValue)
                {
                    break; // -infinity, infinity: the text path names them
                }
                // Microseconds from 2000-01-01 UTC (a timestamp without time zone read as UTC), rounded down to seconds.
                var (seconds, fraction) = long.DivRem(microseconds, 1_000_000);
                Json.NumberValue(PostgresEpochUnixSeconds + seconds - (fraction < 0 ? 1 : 0));
                return ValueError.None;
            case (BinaryType.Date, ScalarKind.Timestamp or ScalarKind.Date):
                var days = BinaryPrimitives.ReadInt32BigEndian(value);
                if (days is int.MinValue or int.MaxValue)
                {
                    break;
                }
                Json.NumberValue(PostgresEpochUnixSeconds + (days * 86_400L));
                return ValueError.None;
        }
        // Floats and uuids through their text form, as the text path writes them; other pairings (a domain, a
        // mapping of a kind the form does not hold) follow the text path's checks too.
        Span<byte> text = stackalloc byte[64]; // longer than any text of the kept forms (uuid 36, timestamptz BC 34 bytes)
        var length = PgBinaryText.TryWrite(form, value, text);
        return length >= 0 ? WriteScalar(kind, text[..length]) : throw new ArgumentOutOfRangeException(nameof(form), form, "Not a binary form rows keep.");
    }

    /// <summary>Writes a 1-D array's text form as a JSON array of <paramref name="kind"/> values, leaving out NULL elements.</summary>
    /// <param name="kind">The element kind.</param>
    /// <param name="delimiter">The element delimiter.</param>
    /// <param name="text">The array's text form.</param>
    /// <param name="element">On failure, the 1-based position of the element at fault, or 0 when the array as a whole is.</param>
    public ValueError WriteArray(ScalarKind kind, byte delimiter, ReadOnlySpan<byte> text, out int element)
    {
        element = 0;
        var error = PgArrayReader.Open(text, delimiter, out var reader);
        if (error != ValueError.None)
        {
            return error;
        }
        Json.StartArray();
        while (true)
        {
            var token = reader.Next(out var raw);
            if (token == PgArrayToken.End)
            {
                break;
            }
            element++;
            if (token == PgArrayToken.EscapedValue)
            {
                raw = Unescape(raw);
            }
            error = token switch
            {
                PgArrayToken.Null => ValueError.None,
                PgArrayToken.Malformed => ValueError.Malformed,
                _ => WriteScalar(kind, raw),
            };
            if (error != ValueError.None)
            {
                element = token == PgArrayToken.Malformed ? 0 : element;
                return error;
            }
        }
        Json.EndArray();
        return ValueError.None;
    }

    private ValueError WriteCheckedNumber(ValueError check, ReadOnlySpan<byte> text)
    {
        if (check == ValueError.None)
        {
            Json.RawValue(text);
        }
        return check;
    }

    // Invalid UTF-8 (a SQL_ASCII database) is not replaced: that would change the value.
    private ValueError WriteString(ReadOnlySpan<byte> utf8) =>
        Json.StringValue(utf8) ? ValueError.None : ValueError.InvalidText;

    private ValueError WriteJsonObject(ReadOnlySpan<byte> json)
    {
        var start = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || json[start] != (byte)'{')
        {
            return ValueError.NotAnObject;
        }
        if (!Utf8.IsValid(json))
        {
            return ValueError.InvalidText;
        }
        // json (not jsonb) keeps the input's line breaks between tokens; one document must stay on one line.
        if (json.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            var copy = Scratch(ref _jsonScratch, json.Length);
            json.CopyTo(copy);
            copy.Replace((byte)'\n', (byte)' ');
            copy.Replace((byte)'\r', (byte)' ');
            json = copy;
        }
        Json.RawValue(json);
        return ValueError.None;
    }

    private Span<byte> Unescape(ReadOnlySpan<byte> raw)
    {
        var destination = Scratch(ref _elementScratch, raw.Length);
        return destination[..PgArrayReader.Unescape(raw, destination)];
    }

    private Span<byte> LowerCase(ReadOnlySpan<byte> text)
    {
        var copy = Scratch(ref _jsonScratch, text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            copy[i] = text[i] is >= (byte)'A' and <= (byte)'F' ? (byte)(text[i] | 0x20) : text[i];
        }
        return copy;
    }

    private static Span<byte> Scratch(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
        return buffer.AsSpan(0, length);
    }
}

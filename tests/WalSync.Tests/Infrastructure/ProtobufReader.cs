using System.Text;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// Reads the protocol buffers wire format far enough to check an OTLP export: fields by number, nested messages and strings.
/// No schema: the caller knows which field numbers of the OTLP messages it walks.
/// </summary>
/// <remarks>https://protobuf.dev/programming-guides/encoding/</remarks>
public static class ProtobufReader
{
    /// <summary>One field of a message: its number, and its bytes (length-delimited) or its number value (varint, fixed).</summary>
    public readonly record struct Field(int Number, ReadOnlyMemory<byte> Bytes, ulong Value)
    {
        /// <summary>The bytes as UTF-8 text.</summary>
        public string Text => Encoding.UTF8.GetString(Bytes.Span);
    }

    /// <summary>The fields of <paramref name="message"/>, in order.</summary>
    /// <exception cref="FormatException">The bytes are not a protobuf message.</exception>
    public static List<Field> Read(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var position = 0;
        var span = message.Span;
        while (position < span.Length)
        {
            var tag = Varint(span, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add(new Field(number, default, Varint(span, ref position)));
                    break;
                case 1:
                    fields.Add(new Field(number, message.Slice(position, 8), BitConverter.ToUInt64(span.Slice(position, 8))));
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(span, ref position);
                    if (length < 0 || position + length > span.Length)
                    {
                        throw new FormatException($"field {number} is longer than the message");
                    }
                    fields.Add(new Field(number, message.Slice(position, length), 0));
                    position += length;
                    break;
                case 5:
                    fields.Add(new Field(number, message.Slice(position, 4), BitConverter.ToUInt32(span.Slice(position, 4))));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"wire type {tag & 7} of field {number} is not one this reader knows");
            }
        }
        return fields;
    }

    /// <summary>The nested messages (or strings) at <paramref name="path"/>: field numbers from the outer message inwards.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> At(ReadOnlyMemory<byte> message, params int[] path)
    {
        IEnumerable<ReadOnlyMemory<byte>> level = [message];
        foreach (var number in path)
        {
            level = level.SelectMany(m => Read(m).Where(f => f.Number == number).Select(f => f.Bytes)).ToList();
        }
        return level;
    }

    /// <summary>The first field numbered <paramref name="number"/> as text; empty when absent.</summary>
    public static string Text(ReadOnlyMemory<byte> message, int number) =>
        Read(message).FirstOrDefault(f => f.Number == number) is { Number: > 0 } field ? field.Text : "";

    /// <summary>The first field numbered <paramref name="number"/> as bytes in hex; empty when absent.</summary>
    public static string Hex(ReadOnlyMemory<byte> message, int number) =>
        Read(message).FirstOrDefault(f => f.Number == number) is { Number: > 0 } field ? Convert.ToHexString(field.Bytes.Span) : "";

    private static ulong Varint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw new FormatException("a varint runs past the end of the message");
            }
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw new FormatException("a varint is longer than 10 bytes");
    }
}

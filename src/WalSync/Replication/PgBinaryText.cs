using System.Buffers.Binary;
using System.Globalization;

namespace WalSync.Replication;

/// <summary>
/// Turns a value pgoutput sent in binary (a type's send function) into the exact bytes PostgreSQL's output function
/// gives under the settings WalSync pins (<see cref="SessionSettings"/>: DateStyle ISO, IntervalStyle postgres,
/// TimeZone UTC, shortest floats, hex bytea), so that everything after the decoder sees the same text in either mode.
/// </summary>
/// <remarks>The server saves its output functions (numeric, timestamptz and uuid to text cost it most); WalSync does
/// the cheaper half here. Text forms: the output functions in PostgreSQL's src/backend/utils/adt (numeric.c
/// get_str_from_var, datetime.c EncodeDateTime and EncodeInterval, float.c with Ryu, network.c network_out, arrayfuncs.c
/// array_out).</remarks>
internal static class PgBinaryText
{
    /// <summary>pg_date: the Julian day of 2000-01-01, where dates and timestamps count from.</summary>
    private const int PostgresEpochJulianDay = 2451545;
    private const long MicrosecondsPerDay = 86_400_000_000L;

    private static readonly Dictionary<uint, BinaryType> NoElementTypes = [];

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>A first guess of the text's size in bytes: <see cref="TryWrite(BinaryType, ReadOnlySpan{byte}, Span{byte}, IReadOnlyDictionary{uint, BinaryType})"/>
    /// says when it was too small.</summary>
    public static int SizeHint(int binaryLength) => (binaryLength * 4) + 64;

    /// <summary>
    /// Writes the text form of <paramref name="value"/> into <paramref name="destination"/>.
    /// </summary>
    /// <param name="type">The value's binary form.</param>
    /// <param name="value">The binary value (without its length).</param>
    /// <param name="destination">Where the UTF-8 text goes.</param>
    /// <param name="types">Binary forms by type OID, for the elements of an array.</param>
    /// <returns>The number of bytes written, or -1 when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="FormatException">The value is cut short or malformed.</exception>
    /// <exception cref="UnreadableBinaryValueException">An array's elements have a type WalSync does not read in binary.</exception>
    public static int TryWrite(BinaryType type, ReadOnlySpan<byte> value, Span<byte> destination, IReadOnlyDictionary<uint, BinaryType> types)
    {
        var text = new Utf8Text(destination);
        Write(type, value, ref text, types);
        return text.Overflowed ? -1 : text.Length;
    }

    /// <summary>Like <see cref="TryWrite(BinaryType, ReadOnlySpan{byte}, Span{byte}, IReadOnlyDictionary{uint, BinaryType})"/>
    /// for a value that is not an array.</summary>
    public static int TryWrite(BinaryType type, ReadOnlySpan<byte> value, Span<byte> destination) =>
        TryWrite(type, value, destination, NoElementTypes);

    private static void Write(BinaryType type, ReadOnlySpan<byte> value, ref Utf8Text text, IReadOnlyDictionary<uint, BinaryType> types)
    {
        switch (type)
        {
            case BinaryType.Bool:
                text.Put(Exactly(value, 1)[0] != 0 ? (byte)'t' : (byte)'f');
                break;
            case BinaryType.Int2:
                text.PutInteger(BinaryPrimitives.ReadInt16BigEndian(Exactly(value, 2)));
                break;
            case BinaryType.Int4:
                text.PutInteger(BinaryPrimitives.ReadInt32BigEndian(Exactly(value, 4)));
                break;
            case BinaryType.Int8:
                text.PutInteger(BinaryPrimitives.ReadInt64BigEndian(Exactly(value, 8)));
                break;
            case BinaryType.Oid:
                text.PutInteger(BinaryPrimitives.ReadUInt32BigEndian(Exactly(value, 4)));
                break;
            case BinaryType.Float4:
                WriteFloat(BinaryPrimitives.ReadSingleBigEndian(Exactly(value, 4)), 6, ref text);
                break;
            case BinaryType.Float8:
                WriteFloat(BinaryPrimitives.ReadDoubleBigEndian(Exactly(value, 8)), 15, ref text);
                break;
            case BinaryType.Numeric:
                WriteNumeric(value, ref text);
                break;
            case BinaryType.Text:
                text.Put(value);
                break;
            case BinaryType.Jsonb:
                if (value.IsEmpty || value[0] != 1)
                {
                    throw new FormatException("pgoutput sent a jsonb value of an unknown version.");
                }
                text.Put(value[1..]);
                break;
            case BinaryType.Uuid:
                WriteUuid(Exactly(value, 16), ref text);
                break;
            case BinaryType.Date:
                WriteDate(BinaryPrimitives.ReadInt32BigEndian(Exactly(value, 4)), ref text);
                break;
            case BinaryType.Time:
                WriteTime(BinaryPrimitives.ReadInt64BigEndian(Exactly(value, 8)), ref text);
                break;
            case BinaryType.Timestamp:
            case BinaryType.TimestampTz:
                WriteTimestamp(BinaryPrimitives.ReadInt64BigEndian(Exactly(value, 8)), type == BinaryType.TimestampTz, ref text);
                break;
            case BinaryType.Bytea:
                var hex = text.Reserve(2 + (value.Length * 2));
                if (!hex.IsEmpty)
                {
                    hex[0] = (byte)'\\';
                    hex[1] = (byte)'x';
                    for (var i = 0; i < value.Length; i++)
                    {
                        hex[2 + (i * 2)] = HexDigits[value[i] >> 4];
                        hex[3 + (i * 2)] = HexDigits[value[i] & 0xF];
                    }
                }
                break;
            case BinaryType.Array:
                WriteArray(value, ref text, types);
                break;
            case BinaryType.Inet:
                WriteInet(value, ref text);
                break;
            case BinaryType.Interval:
                WriteInterval(Exactly(value, 16), ref text);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Not a binary form WalSync reads.");
        }
    }

    private static ReadOnlySpan<byte> Exactly(ReadOnlySpan<byte> value, int length) => value.Length == length ? value
        : throw new FormatException($"pgoutput sent a binary value of {value.Length} bytes where {length} were expected.");

    // float.c: shortest digits that read back to the same value (Ryu), fixed notation when the decimal exponent is in
    // [-4, precision), otherwise d.ddde±XX with at least two exponent digits; precision is FLT_DIG (6) or DBL_DIG (15).
    private static void WriteFloat(double value, int precision, ref Utf8Text text)
    {
        if (double.IsNaN(value))
        {
            text.Put("NaN"u8);
            return;
        }
        if (double.IsInfinity(value))
        {
            text.Put(value > 0 ? "Infinity"u8 : "-Infinity"u8);
            return;
        }
        // The shortest round-trip digits, in .NET's layout ("-1.2345E-05", "123.45", "1E+15").
        Span<byte> shortest = stackalloc byte[40];
        var written = precision == 6
            ? ((float)value).TryFormat(shortest, out var n, "R", CultureInfo.InvariantCulture) ? n : 0
            : value.TryFormat(shortest, out n, "R", CultureInfo.InvariantCulture) ? n : 0;
        var s = shortest[..written];
        Span<byte> digits = stackalloc byte[40];
        var count = 0;
        var pointAt = -1;
        var exponent = 0;
        var i = 0;
        if (s[0] == (byte)'-')
        {
            text.Put((byte)'-');
            i++;
        }
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == (byte)'.')
            {
                pointAt = count;
            }
            else if (c == (byte)'E')
            {
                exponent = int.Parse(s[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[count++] = c;
            }
        }
        if (pointAt < 0)
        {
            pointAt = count;
        }
        var leading = 0;
        while (leading < count && digits[leading] == (byte)'0')
        {
            leading++;
        }
        var significant = digits[leading..count];
        while (significant.Length > 0 && significant[^1] == (byte)'0')
        {
            significant = significant[..^1];
        }
        if (significant.IsEmpty)
        {
            text.Put((byte)'0');
            return;
        }
        var decimalExponent = pointAt - leading - 1 + exponent;
        if (decimalExponent < -4 || decimalExponent >= precision)
        {
            text.Put(significant[0]);
            if (significant.Length > 1)
            {
                text.Put((byte)'.');
                text.Put(significant[1..]);
            }
            text.Put((byte)'e');
            text.Put(decimalExponent < 0 ? (byte)'-' : (byte)'+');
            text.PutPadded(Math.Abs(decimalExponent), 2);
        }
        else if (decimalExponent >= 0)
        {
            var whole = decimalExponent + 1;
            if (significant.Length <= whole)
            {
                text.Put(significant);
                text.PutRepeated((byte)'0', whole - significant.Length);
            }
            else
            {
                text.Put(significant[..whole]);
                text.Put((byte)'.');
                text.Put(significant[whole..]);
            }
        }
        else
        {
            text.Put("0."u8);
            text.PutRepeated((byte)'0', -decimalExponent - 1);
            text.Put(significant);
        }
    }

    // numeric.c get_str_from_var: base-10000 digits, the first group unpadded, the fraction to the display scale.
    private static void WriteNumeric(ReadOnlySpan<byte> value, ref Utf8Text text)
    {
        if (value.Length < 8)
        {
            throw new FormatException("pgoutput sent a numeric value shorter than its header.");
        }
        int digitCount = BinaryPrimitives.ReadInt16BigEndian(value);
        int weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        int scale = BinaryPrimitives.ReadInt16BigEndian(value[6..]);
        if (value.Length != 8 + (digitCount * 2) || scale < 0)
        {
            throw new FormatException("pgoutput sent a numeric value whose length does not match its digit count.");
        }
        switch (sign)
        {
            case 0xC000: text.Put("NaN"u8); return;
            case 0xD000: text.Put("Infinity"u8); return;
            case 0xF000: text.Put("-Infinity"u8); return;
            case 0x4000: text.Put((byte)'-'); break;
            case 0x0000: break;
            default: throw new FormatException($"pgoutput sent a numeric value with sign 0x{sign:X4}.");
        }
        var digits = value[8..];
        if (weight < 0)
        {
            text.Put((byte)'0');
        }
        else
        {
            text.PutInteger(Group(digits, 0));
            for (var index = 1; index <= weight; index++)
            {
                text.PutPadded(Group(digits, index), 4);
            }
        }
        if (scale > 0)
        {
            text.Put((byte)'.');
            Span<byte> group = stackalloc byte[4];
            for (var place = 1; scale > 0; place++)
            {
                var g = Group(digits, weight + place);
                for (var d = 3; d >= 0; d--)
                {
                    group[d] = (byte)('0' + (g % 10));
                    g /= 10;
                }
                text.Put(group[..Math.Min(4, scale)]);
                scale -= 4;
            }
        }
    }

    /// <summary>The base-10000 digit at <paramref name="index"/>; zero outside the stored ones.</summary>
    private static int Group(ReadOnlySpan<byte> digits, int index) =>
        index < 0 || index * 2 >= digits.Length ? 0 : BinaryPrimitives.ReadInt16BigEndian(digits[(index * 2)..]);

    private static void WriteUuid(ReadOnlySpan<byte> value, ref Utf8Text text)
    {
        var hex = text.Reserve(36);
        if (hex.IsEmpty)
        {
            return;
        }
        // uuid_out's lower-case 8-4-4-4-12 form. Not Guid's formatter: in a native build for any x86-64 it shuffles
        // vectors in software, and cost a backfill of uuid keys a tenth of its CPU.
        var at = 0;
        for (var i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                hex[at++] = (byte)'-';
            }
            hex[at++] = HexDigits[value[i] >> 4];
            hex[at++] = HexDigits[value[i] & 0xF];
        }
    }

    private static void WriteDate(int days, ref Utf8Text text)
    {
        switch (days)
        {
            case int.MinValue: text.Put("-infinity"u8); return;
            case int.MaxValue: text.Put("infinity"u8); return;
        }
        var year = PutDate(days + PostgresEpochJulianDay, ref text);
        if (year <= 0)
        {
            text.Put(" BC"u8);
        }
    }

    private static void WriteTime(long microseconds, ref Utf8Text text) => PutTimeOfDay(microseconds, ref text);

    // datetime.c EncodeDateTime with DateStyle ISO: "YYYY-MM-DD HH:MM:SS[.ffffff][+00][ BC]", the session in UTC.
    private static void WriteTimestamp(long microseconds, bool withZone, ref Utf8Text text)
    {
        switch (microseconds)
        {
            case long.MinValue: text.Put("-infinity"u8); return;
            case long.MaxValue: text.Put("infinity"u8); return;
        }
        var date = microseconds / MicrosecondsPerDay;
        var time = microseconds - (date * MicrosecondsPerDay);
        if (time < 0)
        {
            time += MicrosecondsPerDay;
            date--;
        }
        var year = PutDate((int)(date + PostgresEpochJulianDay), ref text);
        text.Put((byte)' ');
        PutTimeOfDay(time, ref text);
        if (withZone)
        {
            text.Put("+00"u8);
        }
        if (year <= 0)
        {
            text.Put(" BC"u8);
        }
    }

    /// <summary>Writes "YYYY-MM-DD" (the year as BC counts it when not positive) and returns the astronomical year.</summary>
    private static int PutDate(int julianDay, ref Utf8Text text)
    {
        // datetime.c j2date.
        var julian = (uint)julianDay + 32044;
        var quad = julian / 146097;
        var extra = ((julian - (quad * 146097)) * 4) + 3;
        julian += 60 + (quad * 3) + (extra / 146097);
        quad = julian / 1461;
        julian -= quad * 1461;
        var y = (int)(julian * 4 / 1461);
        julian = (y != 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
        y += (int)(quad * 4);
        var year = y - 4800;
        quad = julian * 2141 / 65536;
        var day = (int)(julian - (7834 * quad / 256));
        var month = (int)(((quad + 10) % 12) + 1);
        text.PutPadded(year > 0 ? year : 1 - year, 4);
        text.Put((byte)'-');
        text.PutPadded(month, 2);
        text.Put((byte)'-');
        text.PutPadded(day, 2);
        return year;
    }

    private static void PutTimeOfDay(long microseconds, ref Utf8Text text, bool withHours = true)
    {
        var seconds = microseconds / 1_000_000;
        var fraction = (int)(microseconds % 1_000_000);
        if (withHours)
        {
            text.PutPadded((int)(seconds / 3600), 2);
            text.Put((byte)':');
        }
        text.PutPadded((int)(seconds / 60 % 60), 2);
        text.Put((byte)':');
        text.PutPadded((int)(seconds % 60), 2);
        if (fraction != 0)
        {
            var places = 6;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                places--;
            }
            text.Put((byte)'.');
            text.PutPadded(fraction, places);
        }
    }

    // network.c network_out over inet_net_ntop.c: IPv4 as four decimal octets; IPv6 as hex words, the longest run of two
    // or more zero words as "::", the last 32 bits dotted after ::/96 or ::ffff:0:0/96; "/bits" unless all bits are set,
    // always for cidr.
    private static void WriteInet(ReadOnlySpan<byte> value, ref Utf8Text text)
    {
        if (value.Length < 4 || value.Length != 4 + value[3] || (value[0], value[3]) is not ((2, 4) or (3, 16)))
        {
            throw new FormatException("pgoutput sent an inet value that is neither an IPv4 nor an IPv6 address.");
        }
        var bits = value[1];
        var address = value[4..];
        if (address.Length == 4)
        {
            PutDotted(address, ref text);
        }
        else
        {
            PutIpv6(address, ref text);
        }
        if (bits != address.Length * 8 || value[2] != 0)
        {
            text.Put((byte)'/');
            text.PutInteger(bits);
        }
    }

    private static void PutDotted(ReadOnlySpan<byte> octets, ref Utf8Text text)
    {
        for (var i = 0; i < octets.Length; i++)
        {
            if (i > 0)
            {
                text.Put((byte)'.');
            }
            text.PutInteger(octets[i]);
        }
    }

    private static void PutIpv6(ReadOnlySpan<byte> address, ref Utf8Text text)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16BigEndian(address[(i * 2)..]);
        }
        // The first longest run of zero words, if it is at least two long.
        int bestStart = -1, bestLength = 0;
        for (var i = 0; i < 8;)
        {
            var start = i;
            while (i < 8 && words[i] == 0)
            {
                i++;
            }
            if (i - start > bestLength)
            {
                (bestStart, bestLength) = (start, i - start);
            }
            i = Math.Max(i, start + 1);
        }
        if (bestLength < 2)
        {
            bestStart = -1;
        }
        for (var i = 0; i < 8; i++)
        {
            if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength)
            {
                if (i == bestStart)
                {
                    text.Put((byte)':');
                }
                continue;
            }
            if (i != 0)
            {
                text.Put((byte)':');
            }
            if (i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xFFFF)))
            {
                PutDotted(address[12..], ref text);
                return;
            }
            text.PutInteger(words[i], "x");
        }
        if (bestStart >= 0 && bestStart + bestLength == 8)
        {
            text.Put((byte)':');
        }
    }

    // timestamp.c interval_out, datetime.c EncodeInterval with IntervalStyle postgres (SessionSettings pins it):
    // "1 year 2 mons -3 days +04:05:06.5"; a part's sign is written when it differs from the one before; "00:00:00" for zero.
    private static void WriteInterval(ReadOnlySpan<byte> value, ref Utf8Text text)
    {
        var time = BinaryPrimitives.ReadInt64BigEndian(value);
        var days = BinaryPrimitives.ReadInt32BigEndian(value[8..]);
        var months = BinaryPrimitives.ReadInt32BigEndian(value[12..]);
        // PostgreSQL 17+ has infinite intervals: every field at its minimum or maximum.
        if (time == long.MinValue && days == int.MinValue && months == int.MinValue)
        {
            text.Put("-infinity"u8);
            return;
        }
        if (time == long.MaxValue && days == int.MaxValue && months == int.MaxValue)
        {
            text.Put("infinity"u8);
            return;
        }
        var zero = true;
        var before = false;
        PutIntervalPart(months / 12, "year"u8, ref zero, ref before, ref text);
        PutIntervalPart(months % 12, "mon"u8, ref zero, ref before, ref text);
        PutIntervalPart(days, "day"u8, ref zero, ref before, ref text);
        if (!zero && time == 0)
        {
            return;
        }
        if (!zero)
        {
            text.Put((byte)' ');
        }
        if (time < 0)
        {
            text.Put((byte)'-');
        }
        else if (before)
        {
            text.Put((byte)'+');
        }
        var magnitude = time == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(time);
        var hours = magnitude / 3_600_000_000UL;
        if (hours < 10)
        {
            text.Put((byte)'0');
        }
        text.PutInteger(hours);
        text.Put((byte)':');
        PutTimeOfDay((long)(magnitude % 3_600_000_000UL), ref text, withHours: false);
    }

    private static void PutIntervalPart(int value, ReadOnlySpan<byte> unit, ref bool zero, ref bool before, ref Utf8Text text)
    {
        if (value == 0)
        {
            return;
        }
        if (!zero)
        {
            text.Put((byte)' ');
        }
        if (before && value > 0)
        {
            text.Put((byte)'+');
        }
        text.PutInteger(value);
        text.Put((byte)' ');
        text.Put(unit);
        if (value != 1)
        {
            text.Put((byte)'s');
        }
        before = value < 0;
        zero = false;
    }

    // arrayfuncs.c array_out: "[lb:ub]…=" when a lower bound is not 1, nested braces, elements quoted when empty,
    // "NULL" in any case, or holding a quote, backslash, brace, comma or white space, with quotes and backslashes escaped.
    private static void WriteArray(ReadOnlySpan<byte> value, ref Utf8Text text, IReadOnlyDictionary<uint, BinaryType> types)
    {
        var cursor = new PgOutputCursor(value);
        var dimensions = cursor.ReadInt32();
        cursor.ReadInt32(); // flags: whether NULLs are present
        var elementOid = cursor.ReadOid();
        if (dimensions == 0)
        {
            text.Put("{}"u8);
            return;
        }
        if (dimensions is < 0 or > 6)
        {
            throw new FormatException($"pgoutput sent an array of {dimensions} dimensions.");
        }
        if (!types.TryGetValue(elementOid, out var elementType) || elementType == BinaryType.Array)
        {
            throw new UnreadableBinaryValueException($"an array of elements of type OID {elementOid}");
        }
        Span<int> sizes = stackalloc int[dimensions];
        Span<int> lowerBounds = stackalloc int[dimensions];
        var total = 1;
        var decorated = false;
        for (var d = 0; d < dimensions; d++)
        {
            sizes[d] = cursor.ReadInt32();
            lowerBounds[d] = cursor.ReadInt32();
            total *= sizes[d];
            decorated |= lowerBounds[d] != 1;
        }
        if (decorated)
        {
            for (var d = 0; d < dimensions; d++)
            {
                text.Put((byte)'[');
                text.PutInteger(lowerBounds[d]);
                text.Put((byte)':');
                text.PutInteger(lowerBounds[d] + sizes[d] - 1);
                text.Put((byte)']');
            }
            text.Put((byte)'=');
        }
        text.PutRepeated((byte)'{', dimensions);
        Span<int> index = stackalloc int[dimensions];
        for (var element = 0; element < total; element++)
        {
            if (element > 0)
            {
                var d = dimensions - 1;
                var closed = 0;
                while (++index[d] == sizes[d])
                {
                    index[d] = 0;
                    d--;
                    closed++;
                }
                text.PutRepeated((byte)'}', closed);
                text.Put((byte)',');
                text.PutRepeated((byte)'{', closed);
            }
            var length = cursor.ReadInt32();
            if (length < 0)
            {
                text.Put("NULL"u8);
                continue;
            }
            var start = text.Length;
            Write(elementType, cursor.ReadBytes(length), ref text, types);
            text.QuoteArrayElement(start);
        }
        text.PutRepeated((byte)'}', dimensions);
    }

    /// <summary>Appends to a span, remembering instead of throwing when it runs out of room.</summary>
    private ref struct Utf8Text(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Length { get; private set; }

        public bool Overflowed { get; private set; }

        public void Put(byte b)
        {
            if (Length < _destination.Length)
            {
                _destination[Length++] = b;
            }
            else
            {
                Overflowed = true;
            }
        }

        public void Put(scoped ReadOnlySpan<byte> bytes)
        {
            if (bytes.TryCopyTo(_destination[Length..]))
            {
                Length += bytes.Length;
            }
            else
            {
                Overflowed = true;
            }
        }

        public void PutRepeated(byte b, int count)
        {
            for (var i = 0; i < count; i++)
            {
                Put(b);
            }
        }

        public void PutInteger<T>(T value, ReadOnlySpan<char> format = default) where T : IUtf8SpanFormattable
        {
            if (value.TryFormat(_destination[Length..], out var written, format, CultureInfo.InvariantCulture))
            {
                Length += written;
            }
            else
            {
                Overflowed = true;
            }
        }

        /// <summary>Writes <paramref name="value"/> (not negative) with at least <paramref name="width"/> digits, zero-padded.</summary>
        public void PutPadded(int value, int width)
        {
            var digits = 1;
            for (var rest = value; rest >= 10; rest /= 10)
            {
                digits++;
            }
            var span = Reserve(Math.Max(digits, width));
            for (var i = span.Length - 1; i >= 0; i--)
            {
                span[i] = (byte)('0' + (value % 10));
                value /= 10;
            }
        }

        /// <summary>The next <paramref name="length"/> bytes, counted as written; empty (and overflowed) when they do not fit.</summary>
        public Span<byte> Reserve(int length)
        {
            if (Overflowed || Length + length > _destination.Length)
            {
                Overflowed = true;
                return default;
            }
            var span = _destination.Slice(Length, length);
            Length += length;
            return span;
        }

        /// <summary>Quotes the array element written since <paramref name="start"/> when array_out would.</summary>
        public void QuoteArrayElement(int start)
        {
            if (Overflowed)
            {
                return;
            }
            var element = _destination[start..Length];
            var quote = element.IsEmpty || System.Text.Ascii.EqualsIgnoreCase(element, "NULL"u8);
            var escapes = 0;
            foreach (var c in element)
            {
                if (c is (byte)'"' or (byte)'\\')
                {
                    escapes++;
                    quote = true;
                }
                else if (c is (byte)'{' or (byte)'}' or (byte)',' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f')
                {
                    quote = true;
                }
            }
            if (!quote)
            {
                return;
            }
            var quotedLength = element.Length + escapes + 2;
            if (start + quotedLength > _destination.Length)
            {
                Overflowed = true;
                return;
            }
            // Backwards, in place: each byte moves right by the escapes before it, plus the opening quote.
            var to = start + quotedLength - 2;
            for (var from = Length - 1; from >= start; from--)
            {
                var c = _destination[from];
                _destination[to--] = c;
                if (c is (byte)'"' or (byte)'\\')
                {
                    _destination[to--] = (byte)'\\';
                }
            }
            _destination[start] = (byte)'"';
            _destination[start + quotedLength - 1] = (byte)'"';
            Length = start + quotedLength;
        }
    }
}

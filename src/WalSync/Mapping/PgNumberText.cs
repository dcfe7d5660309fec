using System.Globalization;

namespace WalSync.Mapping;

/// <summary>
/// Checks PostgreSQL's text form of a number before it is written to JSON as it is: PostgreSQL's output
/// (<c>-12</c>, <c>1.000</c>, <c>-0</c>, <c>1e+100</c>) is valid JSON, except NaN and ±Infinity.
/// </summary>
/// <remarks>Text forms: https://www.postgresql.org/docs/15/datatype-numeric.html; JSON numbers: RFC 8259 §6.</remarks>
internal static class PgNumberText
{
    // The largest double is about 1.8e308: a number with more integer digits than this, or an exponent, is parsed
    // to see whether it overflows (a JSON parser such as Typesense's rejects a number that overflows a double).
    private const int MaxDigitsWithoutCheck = 308;

    /// <summary>Checks that <paramref name="text"/> is an integer (JSON grammar, no leading zeros) between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static ValueError CheckInteger(ReadOnlySpan<byte> text, long min, long max)
    {
        var negative = !text.IsEmpty && text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || (digits[0] == (byte)'0' && digits.Length > 1))
        {
            return ValueError.Malformed;
        }
        ulong value = 0;
        var overflow = false;
        foreach (var b in digits)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return ValueError.Malformed;
            }
            overflow |= value > (ulong.MaxValue - digit) / 10;
            value = unchecked((value * 10) + digit);
        }
        var limit = negative ? (ulong)(-(min + 1)) + 1 : (ulong)max;
        return overflow || value > limit ? ValueError.OutOfRange : ValueError.None;
    }

    /// <summary>Checks that <paramref name="text"/> is a finite number in JSON grammar that a double can hold.</summary>
    public static ValueError CheckFloat(ReadOnlySpan<byte> text)
    {
        if (text.SequenceEqual("NaN"u8))
        {
            return ValueError.NaN;
        }
        if (text.SequenceEqual("Infinity"u8))
        {
            return ValueError.PositiveInfinity;
        }
        if (text.SequenceEqual("-Infinity"u8))
        {
            return ValueError.NegativeInfinity;
        }
        var i = !text.IsEmpty && text[0] == (byte)'-' ? 1 : 0;
        var integerDigits = CountDigits(text, ref i);
        if (integerDigits == 0 || (integerDigits > 1 && text[i - integerDigits] == (byte)'0'))
        {
            return ValueError.Malformed;
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            if (CountDigits(text, ref i) == 0)
            {
                return ValueError.Malformed;
            }
        }
        var hasExponent = i < text.Length && (text[i] | 0x20) == (byte)'e';
        if (hasExponent)
        {
            i++;
            if (i < text.Length && (text[i] == (byte)'+' || text[i] == (byte)'-'))
            {
                i++;
            }
            if (CountDigits(text, ref i) == 0)
            {
                return ValueError.Malformed;
            }
        }
        if (i != text.Length)
        {
            return ValueError.Malformed;
        }
        if ((hasExponent || integerDigits > MaxDigitsWithoutCheck)
            && !(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)))
        {
            return ValueError.OutOfRange;
        }
        return ValueError.None;
    }

    private static int CountDigits(ReadOnlySpan<byte> text, ref int index)
    {
        var start = index;
        while (index < text.Length && (uint)(text[index] - '0') <= 9)
        {
            index++;
        }
        return index - start;
    }
}

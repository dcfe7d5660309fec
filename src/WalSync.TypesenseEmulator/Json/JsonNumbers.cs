using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>
/// Number reading and printing as nlohmann::json does it: integers that fit 64 bits stay integers, everything else is
/// a double printed by <c>dtoa_impl::format_buffer</c> (shortest round-trip digits, ".0" on whole values,
/// exponent form outside 1e-5..1e15 with at least two exponent digits).
/// </summary>
internal static class JsonNumbers
{
    /// <summary>True if the literal has no fraction or exponent and fits in int64 (negative) or uint64.</summary>
    public static bool IsIntegerLiteral(ReadOnlySpan<byte> literal)
    {
        if (literal.IndexOfAny("."u8) >= 0 || literal.IndexOfAny("eE"u8) >= 0)
        {
            return false;
        }

        return literal.Length > 0 && literal[0] == '-'
            ? Utf8Parser.TryParse(literal, out long _, out var used) && used == literal.Length
            : Utf8Parser.TryParse(literal, out ulong _, out var usedUnsigned) && usedUnsigned == literal.Length;
    }

    /// <summary>Writes a JSON number literal as nlohmann would print it after parsing it.</summary>
    /// <exception cref="OverflowException">The literal is beyond a double's range.</exception>
    public static void WriteCanonical(ReadOnlySpan<byte> literal, Utf8Buffer output)
    {
        if (IsIntegerLiteral(literal))
        {
            // "-0" parses as the integer 0.
            if (literal.SequenceEqual("-0"u8))
            {
                output.Write("0"u8);
                return;
            }

            output.Write(literal);
            return;
        }

        var value = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            // nlohmann rejects such a document ("number overflow parsing"); the caller reports it.
            throw new OverflowException("The number is out of the range of a double.");
        }

        WriteDouble(value, output);
    }

    /// <summary>Writes a double as nlohmann prints it (see <see cref="FormatDouble"/>).</summary>
    public static void WriteDouble(double value, Utf8Buffer output)
    {
        // Where .NET's shortest round-trip text is in fixed notation with at most 15 integer digits, nlohmann prints
        // the same digits, only adding ".0" to whole numbers.
        Span<byte> text = stackalloc byte[40];
        if (double.IsFinite(value) && value != 0
            && value.TryFormat(text, out var written, "R", CultureInfo.InvariantCulture)
            && text[..written].IndexOf((byte)'E') < 0
            && IntegerDigits(text[..written]) <= 15)
        {
            output.Write(text[..written]);
            if (text[..written].IndexOf((byte)'.') < 0)
            {
                output.Write(".0"u8);
            }

            return;
        }

        output.WriteAscii(FormatDouble(value));
    }

    private static int IntegerDigits(ReadOnlySpan<byte> text)
    {
        var dot = text.IndexOf((byte)'.');
        var integer = dot < 0 ? text : text[..dot];
        return integer.Length - (integer.Length > 0 && integer[0] == '-' ? 1 : 0);
    }

    /// <summary>Formats a double like nlohmann::json's <c>dump()</c>; non-finite values print as null.</summary>
    public static string FormatDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            return "null";
        }

        var sign = double.IsNegative(value) ? "-" : string.Empty;
        value = Math.Abs(value);
        if (value == 0)
        {
            return sign + "0.0";
        }

        var (digits, point) = ShortestDigits(value);
        var k = digits.Length;
        var text = new StringBuilder(sign);
        if (k <= point && point <= 15)
        {
            text.Append(digits).Append('0', point - k).Append(".0");
        }
        else if (point > 0 && point <= 15)
        {
            text.Append(digits, 0, point).Append('.').Append(digits, point, k - point);
        }
        else if (point > -4 && point <= 0)
        {
            text.Append("0.").Append('0', -point).Append(digits);
        }
        else
        {
            text.Append(digits[0]);
            if (k > 1)
            {
                text.Append('.').Append(digits, 1, k - 1);
            }

            var exponent = point - 1;
            text.Append('e').Append(exponent < 0 ? '-' : '+');
            text.Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    // Digits without leading or trailing zeros, and the position of the decimal point relative to the first digit.
    private static (string Digits, int Point) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        return (digits, point - leading);
    }
}

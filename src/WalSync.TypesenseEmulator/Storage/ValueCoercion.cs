using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Type checks and coercions of single values, as Typesense's <c>validator_t::coerce_*</c> functions do them under
/// <c>coerce_or_reject</c> / <c>coerce_or_drop</c>.
/// </summary>
internal static class ValueCoercion
{
    /// <summary>Outcome of checking one value against an element type.</summary>
    public enum Outcome
    {
        /// <summary>The value has the type.</summary>
        Match,

        /// <summary>The value was coerced; the replacement holds it as canonical JSON.</summary>
        Coerced,

        /// <summary>The value neither matches nor coerces.</summary>
        Mismatch,

        /// <summary>An int32 coercion gave a value above int32's maximum.</summary>
        Int32Overflow,
    }

    /// <summary>True if a number element is an integer for nlohmann (no fraction or exponent, fits 64 bits).</summary>
    public static bool IsInteger(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && JsonNumbers.IsIntegerLiteral(JsonMarshal.GetRawUtf8Value(value));

    /// <summary>Checks <paramref name="value"/> against a scalar type; coerces when <paramref name="coerce"/>.</summary>
    public static Outcome Check(string type, JsonElement value, bool coerce, out string? replacement)
    {
        replacement = null;
        var matches = type switch
        {
            "string" or "image" => value.ValueKind == JsonValueKind.String,
            "int32" or "int64" => IsInteger(value),
            "float" => value.ValueKind == JsonValueKind.Number,
            "bool" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "object" => value.ValueKind == JsonValueKind.Object,
            _ => true,
        };
        if (matches)
        {
            return Outcome.Match;
        }

        if (!coerce)
        {
            return Outcome.Mismatch;
        }

        replacement = type switch
        {
            "string" or "image" => ToStringJson(value),
            "int32" or "int64" => ToIntegerJson(value),
            "float" => ToFloatJson(value),
            "bool" => ToBoolJson(value),
            _ => null,
        };
        if (replacement is null)
        {
            return Outcome.Mismatch;
        }

        return type == "int32" && long.Parse(replacement, CultureInfo.InvariantCulture) > int.MaxValue
            ? Outcome.Int32Overflow
            : Outcome.Coerced;
    }

    private static string? ToStringJson(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number when IsInteger(value) => value.GetRawText(),
            JsonValueKind.Number => FormatG6(value.GetDouble()),
            _ => null,
        };
        if (text is null)
        {
            return null;
        }

        var buffer = new Utf8Buffer(text.Length + 2);
        CanonicalJson.WriteString(buffer, text);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? ToIntegerJson(JsonElement value)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return "1";
            case JsonValueKind.False:
                return "0";
            case JsonValueKind.Number:
                number = value.GetDouble();
                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return integer.ToString(CultureInfo.InvariantCulture);
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    return null;
                }

                break;
            default:
                return null;
        }

        return double.IsFinite(number) && Math.Abs(number) < 9.2e18
            ? ((long)Math.Truncate(number)).ToString(CultureInfo.InvariantCulture)
            : null;
    }

    private static string? ToFloatJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "1.0",
        JsonValueKind.False => "0.0",
        JsonValueKind.String when double.TryParse(
            value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            => JsonNumbers.FormatDouble(number),
        _ => null,
    };

    private static string? ToBoolJson(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && IsInteger(value))
        {
            var raw = value.GetRawText();
            return raw switch { "1" => "true", "0" => "false", _ => null };
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                return "true";
            }

            if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return "false";
            }
        }

        return null;
    }

    // printf("%g"): 6 significant digits, trailing zeros removed, exponent with at least two digits.
    private static string FormatG6(double value)
    {
        var text = value.ToString("G6", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        var exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }
}

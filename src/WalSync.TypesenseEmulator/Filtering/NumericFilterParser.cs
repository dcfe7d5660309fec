using System.Globalization;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>Numeric conditions: <c>f:&gt;5</c>, <c>f:[1,2]</c>, <c>f:[1..5]</c>, <c>f:!=3</c> (Typesense <c>toFilter()</c>).</summary>
internal static class NumericFilterParser
{
    /// <summary>Parses the value part of a numeric condition.</summary>
    public static ApiError? Parse(FieldDefinition field, string raw, out FilterNode? node)
    {
        node = null;
        if (raw.StartsWith('='))
        {
            raw = raw[1..].TrimStart(' ');
        }

        var negate = false;
        if (raw.StartsWith("!=", StringComparison.Ordinal) && raw.EndsWith(']'))
        {
            negate = true;
            raw = raw[2..].TrimStart(' ');
        }

        var isList = raw.StartsWith('[') && raw.EndsWith(']');
        var conditions = new List<(FilterComparator, string)>();
        foreach (var value in isList ? raw[1..^1].Split(',') : [raw])
        {
            var text = value.Trim(' ');
            var comparator = ReadComparator(ref text);
            if (comparator is null)
            {
                return new ApiError(400, $"Error with filter field `{field.Name}`: Numerical field has an invalid comparator.");
            }

            if (comparator == FilterComparator.NotEquals)
            {
                negate = true;
                comparator = FilterComparator.Equals;
            }

            var bounds = comparator == FilterComparator.Range ? text.Split("..") : [text];
            foreach (var bound in bounds)
            {
                if (Validate(field, bound.Trim(' ')) is { } error)
                {
                    return error;
                }
            }

            conditions.Add((comparator.Value, text));
        }

        node = new FieldFilter(field.Name, conditions, negate);
        return null;
    }

    private static FilterComparator? ReadComparator(ref string text)
    {
        (string Prefix, FilterComparator Comparator)[] prefixes =
        [
            (">=", FilterComparator.GreaterOrEqual), ("<=", FilterComparator.LessOrEqual), ("!=", FilterComparator.NotEquals),
            (">", FilterComparator.Greater), ("<", FilterComparator.Less), ("=", FilterComparator.Equals),
        ];
        foreach (var (prefix, comparator) in prefixes)
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                text = text[prefix.Length..].Trim(' ');
                return comparator;
            }
        }

        if (text.Contains("..", StringComparison.Ordinal))
        {
            return FilterComparator.Range;
        }

        return text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
            ? FilterComparator.Equals
            : null;
    }

    private static ApiError? Validate(FieldDefinition field, string value)
    {
        var ok = field.ElementType switch
        {
            "int32" => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "int64" => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            _ => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        };
        if (ok)
        {
            return null;
        }

        var type = field.ElementType == "float" ? "a float" : "an " + field.ElementType;
        return new ApiError(400, $"Error with filter field `{field.Name}`: Not {type}.");
    }
}

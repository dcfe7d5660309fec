using System.Globalization;
using System.Text.Json;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>A condition on one schema field: numeric, bool or string, with one or more values.</summary>
internal sealed class FieldFilter : FilterNode
{
    private readonly string _field;
    private readonly IReadOnlyList<(FilterComparator Comparator, string Value)> _conditions;
    private readonly bool _negate;

    /// <summary>Creates the condition; a document matches when any condition matches any of its values.</summary>
    public FieldFilter(string field, IReadOnlyList<(FilterComparator Comparator, string Value)> conditions, bool negate)
    {
        _field = field;
        _conditions = conditions;
        _negate = negate;
    }

    /// <inheritdoc />
    public override bool Matches(DocumentView document)
    {
        if (!document.TryGetValue(_field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return _negate;
        }

        var any = value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Any(MatchesOne)
            : MatchesOne(value);
        return any != _negate;
    }

    private bool MatchesOne(JsonElement value) => _conditions.Any(c => Compare(value, c.Comparator, c.Value));

    private static bool Compare(JsonElement value, FilterComparator comparator, string expected)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return CompareNumber(value.GetDouble(), comparator, expected);
            case JsonValueKind.True or JsonValueKind.False:
                return (value.ValueKind == JsonValueKind.True) == (expected == "true");
            case JsonValueKind.String:
                var text = value.GetString()!;
                return comparator == FilterComparator.Contains
                    ? TextTokens.Of(expected).All(TextTokens.Of(text).Contains)
                    : TextTokens.Of(text).SequenceEqual(TextTokens.Of(expected));
            default:
                return false;
        }
    }

    private static bool CompareNumber(double actual, FilterComparator comparator, string expected)
    {
        if (comparator == FilterComparator.Range)
        {
            var bounds = expected.Split("..");
            return actual >= Parse(bounds[0]) && actual <= Parse(bounds[1]);
        }

        var number = Parse(expected);
        return comparator switch
        {
            FilterComparator.Greater => actual > number,
            FilterComparator.GreaterOrEqual => actual >= number,
            FilterComparator.Less => actual < number,
            FilterComparator.LessOrEqual => actual <= number,
            _ => actual == number,
        };
    }

    private static double Parse(string text) => double.Parse(text.Trim(' '), NumberStyles.Float, CultureInfo.InvariantCulture);
}

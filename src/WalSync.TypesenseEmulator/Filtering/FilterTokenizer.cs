using System.Text;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>
/// Splits a <c>filter_by</c> string as Typesense does (<c>StringUtils::tokenize_filter_query()</c>,
/// <c>split_to_values()</c>): outside backticks, <c>(</c>, <c>)</c>, <c>&amp;&amp;</c> and <c>||</c> end a token.
/// </summary>
internal static class FilterTokenizer
{
    /// <summary>Tokens in order: "(", ")", "&amp;&amp;", "||" and expressions such as "id:[a,b]".</summary>
    public static List<string> Tokenize(string filter)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inBackticks = false;
        for (var i = 0; i < filter.Length; i++)
        {
            var c = filter[i];
            if (c == '`')
            {
                inBackticks = !inBackticks;
            }

            if (!inBackticks)
            {
                var op = c switch
                {
                    '(' or ')' => c.ToString(),
                    '&' when i + 1 < filter.Length && filter[i + 1] == '&' => "&&",
                    '|' when i + 1 < filter.Length && filter[i + 1] == '|' => "||",
                    _ => null,
                };
                if (op is not null)
                {
                    Flush(tokens, current);
                    tokens.Add(op);
                    i += op.Length - 1;
                    continue;
                }
            }

            current.Append(c);
        }

        Flush(tokens, current);
        return tokens;
    }

    /// <summary>
    /// Splits list values on commas outside backticks. Backticks are dropped (a backslash before one is kept, as
    /// Typesense does), and spaces are trimmed from each value.
    /// </summary>
    public static List<string> SplitValues(string values)
    {
        var result = new List<string>();
        var buffer = new StringBuilder();
        var inBackticks = false;
        for (var i = 0; i < values.Length; i++)
        {
            var c = values[i];
            if (c == '`')
            {
                if (i > 0 && values[i - 1] == '\\')
                {
                    buffer.Append(c);
                }
                else
                {
                    inBackticks = !inBackticks;
                }
            }
            else if (c == ',' && !inBackticks)
            {
                result.Add(buffer.ToString().Trim(' '));
                buffer.Clear();
            }
            else
            {
                buffer.Append(c);
            }
        }

        if (buffer.Length > 0)
        {
            result.Add(buffer.ToString().Trim(' '));
        }

        return result;
    }

    private static void Flush(List<string> tokens, StringBuilder current)
    {
        var text = current.ToString().Trim(' ');
        if (text.Length > 0)
        {
            tokens.Add(text);
        }

        current.Clear();
    }
}

using System.Text;

namespace WalSync.TypesenseEmulator.Http;

/// <summary>
/// Query string parsed like Typesense's <c>StringUtils::parse_query_string()</c>: a raw <c>&amp;&amp;</c> does not split
/// parameters, values are percent-decoded with <c>+</c> as space, keys are not decoded, a repeated <c>filter_by</c>
/// is joined with <c>&amp;&amp;</c>, any other repeated key keeps its last value.
/// </summary>
internal sealed class QueryParameters
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="query"/> (without the leading <c>?</c>).</summary>
    public QueryParameters(string query)
    {
        var start = 0;
        for (var i = 0; i <= query.Length; i++)
        {
            if (i < query.Length && query[i] == '&' && i + 1 < query.Length && query[i + 1] == '&')
            {
                i++;
                continue;
            }

            if (i < query.Length && query[i] != '&')
            {
                continue;
            }

            Add(query[start..i]);
            start = i + 1;
        }
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public string? this[string key] => _values.GetValueOrDefault(key);

    /// <summary>True if the key was given.</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>Percent-decodes a URL component, <c>+</c> as space; invalid escapes stay as they are.</summary>
    public static string Decode(string text)
    {
        if (text.IndexOfAny(['%', '+']) < 0)
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add((byte)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2])));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private void Add(string pair)
    {
        if (pair.Length == 0)
        {
            return;
        }

        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        var key = equals < 0 ? pair : pair[..equals];
        var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
        if (key == "cache_ttl")
        {
            return;
        }

        _values[key] = key == "filter_by" && _values.TryGetValue(key, out var previous) ? previous + "&&" + value : value;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace WalSync.Tests.Convergence;

/// <summary>
/// Random SQL values for the oracle workload, every one a complete SQL expression with its cast. The values include
/// the awkward cases of each type (extremes, negative zero, BC dates, fractional seconds, quotes, backslashes, array
/// delimiters, "NULL" as text, non-ASCII) but never a value Typesense cannot hold (NaN, infinity, 2-D arrays in mapped
/// columns): those are dead letters, covered by the mapping tests.
/// </summary>
internal sealed class OracleValues(Random random)
{
    private static readonly string[] Words =
    [
        "", " ", "NULL", "null", "a,b", "{x}", "q\"uote", "back\\slash", "it's", "tab\there", "line\nbreak", "pipe|bar",
        "`tick`", "*", "héllo", "中文", "😀 emoji", "  padded  ", "x", "%2F/slash", "a;b", "(1,2)",
    ];

    private static readonly string[] Moods = ["happy", "sad", "meh"];

    private static readonly string[] OddJson =
    [
        "{\"a\": 1, \"a\": 2}",
        "{\n  \"x\" : [1, 2.50, {\"y\": null}] ,\t\"z\":\"\\u00e9\\n\\\"\"}",
        "{\"big\": 12345678901234567890123, \"neg\": -0.0, \"exp\": 1E-7, \"e\": {}}",
        "{}",
    ];

    /// <summary>The random source (for choices the workload makes).</summary>
    public Random Random => random;

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => random.NextDouble() < p;

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A smallint.</summary>
    public string Int16() => Chance(0.1) ? Pick(["-32768", "32767", "0"]) : random.Next(-32768, 32768).ToString(CultureInfo.InvariantCulture);

    /// <summary>An integer.</summary>
    public string Int32() => Chance(0.1) ? Pick(["-2147483648", "2147483647", "0"]) : random.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture);

    /// <summary>A bigint.</summary>
    public string Int64() => Chance(0.1)
        ? Pick(["-9223372036854775808", "9223372036854775807", "0"])
        : random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture);

    /// <summary>A real.</summary>
    public string Real() => Quote(Chance(0.3)
        ? Pick(["1.1", "-0", "3.4028235e38", "1e-30", "0.1", "-123.456", "16777217"])
        : ((float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 12)))).ToString("R", CultureInfo.InvariantCulture)) + "::real";

    /// <summary>A double precision.</summary>
    public string Double() => Quote(Chance(0.3)
        ? Pick(["0.1", "-0", "1e+100", "1.7976931348623157e308", "5e-324", "-2.5", "9007199254740993"])
        : ((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20))).ToString("R", CultureInfo.InvariantCulture)) + "::float8";

    /// <summary>A numeric, with trailing zeros kept by PostgreSQL.</summary>
    public string Numeric()
    {
        if (Chance(0.3))
        {
            return Quote(Pick(["1.000", "0", "-0.000001", "123456789012345678901234567890.123", "1e20", "0.1"])) + "::numeric";
        }
        var integer = random.NextInt64(0, 10_000_000_000L) / (long)Math.Pow(10, random.Next(0, 10));
        var scale = random.Next(0, 7);
        var fraction = scale == 0 ? "" : "." + random.NextInt64(0, (long)Math.Pow(10, scale)).ToString(CultureInfo.InvariantCulture).PadLeft(scale, '0');
        return Quote((Chance(0.5) ? "-" : "") + integer.ToString(CultureInfo.InvariantCulture) + fraction) + "::numeric";
    }

    /// <summary>A price (numeric(10,2) domain).</summary>
    public string Price() => Quote((random.Next(-9_999_999, 10_000_000) / 100.0).ToString("F2", CultureInfo.InvariantCulture)) + "::price";

    /// <summary>A boolean.</summary>
    public string Bool() => Chance(0.5) ? "true" : "false";

    /// <summary>Short text with the characters that need escaping in JSON, array literals and document ids.</summary>
    public string TextValue(int maxLength = 24)
    {
        var text = new StringBuilder();
        if (Chance(0.4))
        {
            text.Append(Pick(Words));
        }
        else
        {
            var length = random.Next(0, maxLength + 1);
            while (text.Length < length)
            {
                text.Append(Chance(0.2) ? Pick(Words) : ((char)random.Next('a', 'z' + 1)).ToString());
            }
        }
        // Cut to the column's length, never between the two halves of a surrogate pair.
        var cut = Math.Min(text.Length, maxLength);
        if (cut > 0 && cut < text.Length && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }
        return text.ToString(0, cut);
    }

    /// <summary><see cref="TextValue"/> as an SQL literal cast to <paramref name="type"/>.</summary>
    public string Text(string type = "text", int maxLength = 24) => Quote(TextValue(maxLength)) + "::" + type;

    /// <summary>An enum label.</summary>
    public string Mood() => Quote(Pick(Moods)) + "::mood";

    /// <summary>A uuid, written upper case half the time (PostgreSQL writes it lower case).</summary>
    public string Uuid()
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        var text = new Guid(bytes).ToString();
        return Quote(Chance(0.5) ? text.ToUpperInvariant() : text) + "::uuid";
    }

    /// <summary>A timestamptz between 1800 and 2200 with microseconds and a random UTC offset; sometimes BC.</summary>
    public string TimestampTz()
    {
        var moment = Moment();
        var offset = Pick(["+00", "+05:30", "-08", "+14", "-03:30"]);
        return Quote(moment.EndsWith(" BC", StringComparison.Ordinal) ? moment[..^3] + offset + " BC" : moment + offset) + "::timestamptz";
    }

    /// <summary>A timestamp (read as UTC) between 1800 and 2200 with microseconds; sometimes BC.</summary>
    public string Timestamp() => Quote(Moment()) + "::timestamp";

    /// <summary>A date; sometimes BC.</summary>
    public string Date() => Chance(0.1)
        ? Quote(Pick(["0044-03-15 BC", "0001-01-01 BC", "1970-01-01", "1969-12-31"])) + "::date"
        : Quote(new DateOnly(1800, 1, 1).AddDays(random.Next(0, 146_000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) + "::date";

    /// <summary>A time of day, an interval, an inet, a bytea, a point, money, xml, a range or a composite value: each in
    /// PostgreSQL's text form in the document.</summary>
    public string Time() => Quote($"{random.Next(24):D2}:{random.Next(60):D2}:{random.Next(60):D2}.{random.Next(1_000_000):D6}") + "::time";

    /// <inheritdoc cref="Time"/>
    public string Interval() => Quote($"{random.Next(-3, 30)} years {random.Next(12)} mons {random.Next(-40, 40)} days {random.Next(100):D2}:{random.Next(60):D2}:{random.Next(60):D2}.{random.Next(1000):D3}") + "::interval";

    /// <inheritdoc cref="Time"/>
    public string Inet() => Quote(Chance(0.3)
        ? $"2001:db8::{random.Next(65536):x}/{random.Next(64, 129)}"
        : $"{random.Next(256)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}" + (Chance(0.5) ? $"/{random.Next(8, 33)}" : "")) + "::inet";

    /// <inheritdoc cref="Time"/>
    public string Bytea()
    {
        var bytes = new byte[random.Next(0, 12)];
        random.NextBytes(bytes);
        return Quote("\\x" + Convert.ToHexString(bytes)) + "::bytea";
    }

    /// <inheritdoc cref="Time"/>
    public string Point() => $"point({Coordinate()}, {Coordinate()})";

    /// <inheritdoc cref="Time"/>
    public string Money() => Quote((random.Next(-1_000_000, 1_000_000) / 100.0).ToString("F2", CultureInfo.InvariantCulture)) + "::numeric::money";

    /// <inheritdoc cref="Time"/>
    public string Xml() => Quote($"<item n=\"{random.Next(100)}\">{System.Security.SecurityElement.Escape(TextValue(8).Replace("\n", "", StringComparison.Ordinal))}</item>") + "::xml";

    /// <inheritdoc cref="Time"/>
    public string Range()
    {
        var low = random.Next(-100, 100);
        return Chance(0.1) ? "'empty'::int4range" : $"int4range({low}, {low + random.Next(1, 50)}, {Quote(Pick(["[)", "[]", "(]", "()"]))})";
    }

    /// <inheritdoc cref="Time"/>
    public string Pair() => $"ROW({Int32()}, {Text()})::pair";

    /// <inheritdoc cref="Time"/>
    public string Box() => $"box(point({Coordinate()}, {Coordinate()}), point({Coordinate()}, {Coordinate()}))";

    /// <summary>A JSON object (never another JSON value: those are dead letters), with nested objects, arrays, nulls
    /// and numbers written in several ways.</summary>
    public string JsonObjectText(int depth = 0)
    {
        var node = new JsonObject();
        var count = random.Next(0, depth == 0 ? 6 : 3);
        for (var i = 0; i < count; i++)
        {
            node[Pick(["a", "b", "name", "n", "tags", "nested", "é", "sp ace", "x.y"]) + random.Next(3)] = JsonValueNode(depth);
        }
        return node.ToJsonString();
    }

    /// <summary>A json or jsonb object literal cast to <paramref name="type"/>; json keeps its text as written, so some
    /// are written oddly (duplicate keys, white space, escapes, long numbers).</summary>
    public string Json(string type) => Quote(Chance(0.15) ? Pick(OddJson) : JsonObjectText()) + "::" + type;

    /// <summary>A large jsonb object (several kB) that PostgreSQL moves out of line.</summary>
    public string BigJson()
    {
        var node = new JsonObject();
        for (var i = 0; i < 60; i++)
        {
            var bytes = new byte[24];
            random.NextBytes(bytes);
            node["k" + i] = Convert.ToHexString(bytes);
        }
        return Quote(node.ToJsonString()) + "::jsonb";
    }

    /// <summary>Text of about 2.5 kB that compresses poorly, so that with STORAGE EXTERNAL it is TOASTed out of line.</summary>
    public string BigText() => $"(SELECT string_agg(md5({Quote(random.Next().ToString(CultureInfo.InvariantCulture))} || g), '') FROM generate_series(1, {random.Next(70, 120)}) AS g)";

    /// <summary>A 1-D array of <paramref name="element"/> values (some NULL), empty at times, cast to <paramref name="type"/>.</summary>
    public string Array(Func<string> element, string type)
    {
        if (Chance(0.1))
        {
            return $"'{{}}'::{type}";
        }
        var items = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Chance(0.15) ? "NULL" : element());
        return $"ARRAY[{string.Join(", ", items)}]::{type}";
    }

    /// <summary>An SQL string literal.</summary>
    public static string Quote(string text) => ExpectedSql.Literal(text);

    private string Moment()
    {
        if (Chance(0.05))
        {
            return Pick(["0001-01-01 00:00:00 BC", "1969-12-31 23:59:59.5", "1970-01-01 00:00:00"]);
        }
        var seconds = random.NextInt64(-5_364_662_400L, 7_258_118_400L);
        var moment = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(random.Next(10_000_000) / 10 * 10);
        return moment.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
    }

    private string Coordinate() => ((random.Next(-10000, 10000)) / 8.0).ToString("R", CultureInfo.InvariantCulture);

    private JsonNode? JsonValueNode(int depth) => random.Next(depth < 2 ? 8 : 6) switch
    {
        0 => null,
        1 => JsonValue.Create(Chance(0.5)),
        2 => JsonValue.Create(random.Next(-1000, 1000)),
        3 => JsonNode.Parse(Pick(["2.50", "1e3", "-0.001", "12345678901234567890", "0"])),
        4 => JsonValue.Create(TextValue(10)),
        5 => new JsonArray(JsonValue.Create(random.Next(10)), JsonValue.Create(TextValue(4)), null),
        6 => JsonNode.Parse(JsonObjectText(depth + 1)),
        _ => new JsonArray(JsonNode.Parse(JsonObjectText(depth + 1))),
    };
}

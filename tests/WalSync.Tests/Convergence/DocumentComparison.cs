using System.Text.Json;
using System.Text.Json.Nodes;

namespace WalSync.Tests.Convergence;

/// <summary>
/// Compares expected documents with a collection's export, every document and every field, nested objects and arrays
/// included. Numbers are compared as doubles (PostgreSQL writes <c>1.000</c> where Typesense may write <c>1</c>);
/// object keys in any order.
/// </summary>
internal static class DocumentComparison
{
    /// <summary>Every difference as one line ("missing document 7", "7.name: expected …, found …"); empty when equal.</summary>
    public static List<string> Differences(IReadOnlyDictionary<string, JsonObject> expected, IReadOnlyDictionary<string, JsonObject> actual)
    {
        var differences = new List<string>();
        foreach (var (id, document) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(id, out var stored))
            {
                differences.Add($"missing document {id}: expected {document.ToJsonString()}");
                continue;
            }
            foreach (var (field, value) in document)
            {
                if (!Same(value, stored[field]))
                {
                    differences.Add($"{id}.{field}: expected {Show(value)}, found {Show(stored[field])}");
                }
            }
            foreach (var (field, value) in stored)
            {
                if (!document.ContainsKey(field))
                {
                    differences.Add($"{id}.{field}: unexpected field {Show(value)}");
                }
            }
        }
        differences.AddRange(actual.Keys.Where(id => !expected.ContainsKey(id)).Order(StringComparer.Ordinal)
            .Select(id => $"extra document {id}: {actual[id].ToJsonString()}"));
        return differences;
    }

    /// <summary>True when both are the same JSON value (numbers as doubles, keys in any order).</summary>
    public static bool Same(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }
        var kind = expected.GetValueKind();
        if (kind != actual.GetValueKind())
        {
            return false;
        }
        switch (kind)
        {
            case JsonValueKind.Object:
                var left = expected.AsObject();
                var right = actual.AsObject();
                return left.Count == right.Count && left.All(p => right.ContainsKey(p.Key) && Same(p.Value, right[p.Key]));
            case JsonValueKind.Array:
                var a = expected.AsArray();
                var b = actual.AsArray();
                return a.Count == b.Count && a.Select((item, i) => Same(item, b[i])).All(same => same);
            case JsonValueKind.Number:
                var x = expected.GetValue<double>();
                var y = actual.GetValue<double>();
                return x.Equals(y) || Math.Abs(x - y) <= 1e-12 * Math.Max(Math.Abs(x), Math.Abs(y));
            default:
                return JsonNode.DeepEquals(expected, actual);
        }
    }

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "nothing";
        return text.Length <= 200 ? text : text[..200] + $"… ({text.Length} chars)";
    }
}

using System.Text.Json;
using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>Token matching for <c>q</c>: every query token must occur in a <c>query_by</c> field; the last may be a prefix.</summary>
internal static class SearchText
{
    /// <summary>True if the document matches all <paramref name="tokens"/>.</summary>
    public static bool Matches(StoredDocument document, string[] queryBy, string[] tokens)
    {
        using var view = new DocumentView(document);
        var words = new List<string>();
        foreach (var field in queryBy)
        {
            if (!view.TryGetValue(field, out var value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                words.AddRange(TextTokens.Of(value.GetString()!));
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String))
                {
                    words.AddRange(TextTokens.Of(item.GetString()!));
                }
            }
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var last = i == tokens.Length - 1;
            if (!words.Exists(w => w == token || (last && w.StartsWith(token, StringComparison.Ordinal))))
            {
                return false;
            }
        }

        return true;
    }
}

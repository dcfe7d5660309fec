using System.Text.Json;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>Parses request bodies that Typesense reads with nlohmann::json (schema, alias, alter bodies).</summary>
internal static class JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 4096 };

    /// <summary>The parsed body, or null when nlohmann would reject it. The caller disposes the result.</summary>
    public static JsonDocument? TryParse(byte[] body)
    {
        if (NlohmannValidator.Validate(body) is not null)
        {
            return null;
        }

        var start = body.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return JsonDocument.Parse(body.AsMemory(start), Options);
    }

    /// <summary>Canonical JSON text of an element (keys sorted, compact).</summary>
    public static byte[] Canonical(JsonElement element)
    {
        var buffer = new Utf8Buffer(256);
        CanonicalJson.WriteValue(buffer, element);
        return buffer.ToArray();
    }
}

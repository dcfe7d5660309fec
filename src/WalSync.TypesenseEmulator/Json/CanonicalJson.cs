using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>
/// Writes JSON the way Typesense emits it through nlohmann::json <c>dump()</c>: compact, object keys in byte order,
/// duplicate keys resolved to the last one, only <c>"</c>, <c>\</c> and control characters escaped.
/// </summary>
internal static class CanonicalJson
{
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    /// <summary>Writes <paramref name="text"/> as a JSON string.</summary>
    public static void WriteString(Utf8Buffer output, string text)
    {
        output.Write((byte)'"');
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            output.WriteUtf8(text[start..i]);
            WriteEscape(output, c);
            start = i + 1;
        }

        output.WriteUtf8(text[start..]);
        output.Write((byte)'"');
    }

    /// <summary>Writes a string element; copies its raw bytes when it holds no escape sequence.</summary>
    public static void WriteString(Utf8Buffer output, JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            output.Write(raw);
            return;
        }

        WriteString(output, element.GetString()!);
    }

    /// <summary>Writes any element in canonical form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteValue(Utf8Buffer output, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(output, element);
                break;
            case JsonValueKind.Array:
                output.Write((byte)'[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write((byte)',');
                    }

                    first = false;
                    WriteValue(output, item);
                }

                output.Write((byte)']');
                break;
            case JsonValueKind.String:
                WriteString(output, element);
                break;
            case JsonValueKind.Number:
                JsonNumbers.WriteCanonical(JsonMarshal.GetRawUtf8Value(element), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            default:
                output.Write("null"u8);
                break;
        }
    }

    /// <summary>
    /// Writes an object. Each of <paramref name="patches"/> is applied in turn as an RFC 7386 merge patch: patch keys
    /// win, a null removes the key, objects merge recursively.
    /// </summary>
    public static void WriteObject(Utf8Buffer output, JsonElement target, params ReadOnlySpan<JsonElement> patches)
    {
        var patched = false;
        foreach (var patch in patches)
        {
            patched |= patch.ValueKind == JsonValueKind.Object;
        }

        if (!patched && target.ValueKind == JsonValueKind.Object && TryWriteSorted(output, target))
        {
            return;
        }

        var merged = new SortedDictionary<string, JsonElement>(KeyOrder.Instance);
        if (target.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in target.EnumerateObject())
            {
                merged[property.Name] = property.Value;
            }
        }

        foreach (var patch in patches)
        {
            if (patch.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var property in patch.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    merged.Remove(property.Name);
                }
                else if (property.Value.ValueKind == JsonValueKind.Object
                    && merged.TryGetValue(property.Name, out var old) && old.ValueKind == JsonValueKind.Object)
                {
                    merged[property.Name] = MergedObject(old, property.Value);
                }
                else
                {
                    merged[property.Name] = property.Value;
                }
            }
        }

        output.Write((byte)'{');
        var first = true;
        foreach (var (name, value) in merged)
        {
            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            WriteString(output, name);
            output.Write((byte)':');
            WriteValue(output, value);
        }

        output.Write((byte)'}');
    }

    // Fast path for an object without patches: sorts the properties by their raw UTF-8 names (stable, so among
    // duplicate keys the last wins) without allocating strings. Falls back when a name holds an escape sequence.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryWriteSorted(Utf8Buffer output, JsonElement target)
    {
        var entries = ArrayPool<JsonProperty>.Shared.Rent(16);
        try
        {
            var count = 0;
            foreach (var property in target.EnumerateObject())
            {
                if (JsonMarshal.GetRawUtf8PropertyName(property).IndexOf((byte)'\\') >= 0)
                {
                    return false;
                }

                if (count == entries.Length)
                {
                    var larger = ArrayPool<JsonProperty>.Shared.Rent(count * 2);
                    entries.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<JsonProperty>.Shared.Return(entries, clearArray: true);
                    entries = larger;
                }

                var i = count++;
                while (i > 0 && NameOf(entries[i - 1]).SequenceCompareTo(NameOf(property)) > 0)
                {
                    entries[i] = entries[i - 1];
                    i--;
                }

                entries[i] = property;
            }

            output.Write((byte)'{');
            var first = true;
            for (var k = 0; k < count; k++)
            {
                if (k + 1 < count && NameOf(entries[k]).SequenceEqual(NameOf(entries[k + 1])))
                {
                    continue;
                }

                if (!first)
                {
                    output.Write((byte)',');
                }

                first = false;
                output.Write((byte)'"');
                output.Write(NameOf(entries[k]));
                output.Write("\":"u8);
                WriteValue(output, entries[k].Value);
            }

            output.Write((byte)'}');
            return true;
        }
        finally
        {
            ArrayPool<JsonProperty>.Shared.Return(entries, clearArray: true);
        }
    }

    private static ReadOnlySpan<byte> NameOf(JsonProperty property) => JsonMarshal.GetRawUtf8PropertyName(property);

    // Nested merges are rare: materialise them as a small document so the outer loop can treat them as values.
    private static JsonElement MergedObject(JsonElement target, JsonElement patch)
    {
        var buffer = new Utf8Buffer(256);
        WriteObject(buffer, target, patch);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteEscape(Utf8Buffer output, char c)
    {
        output.Write((byte)'\\');
        switch (c)
        {
            case '"': output.Write((byte)'"'); break;
            case '\\': output.Write((byte)'\\'); break;
            case '\b': output.Write((byte)'b'); break;
            case '\t': output.Write((byte)'t'); break;
            case '\n': output.Write((byte)'n'); break;
            case '\f': output.Write((byte)'f'); break;
            case '\r': output.Write((byte)'r'); break;
            default:
                output.Write("u00"u8);
                output.Write(Hex[c >> 4]);
                output.Write(Hex[c & 0xF]);
                break;
        }
    }
}

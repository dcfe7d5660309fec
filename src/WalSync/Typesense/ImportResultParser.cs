using System.Text.Json;

namespace WalSync.Typesense;

/// <summary>Parses the per-line results of an import response.</summary>
/// <remarks>
/// One compact JSON object per non-empty input line, in order, joined by '\n' (older servers add a trailing '\n'):
/// <c>{"success":true}</c> or <c>{"code":400,"error":"…","success":false}</c>
/// (https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents).
/// </remarks>
internal static class ImportResultParser
{
    /// <summary>Counts the lines Typesense will answer: the '\n'-separated pieces that are not empty.</summary>
    public static int CountLines(ReadOnlySpan<byte> ndjson)
    {
        var count = 0;
        while (!ndjson.IsEmpty)
        {
            var end = ndjson.IndexOf((byte)'\n');
            var length = end < 0 ? ndjson.Length : end;
            if (length > 0)
            {
                count++;
            }

            ndjson = end < 0 ? default : ndjson[(end + 1)..];
        }

        return count;
    }

    /// <summary>Parses <paramref name="body"/> into exactly <paramref name="expectedLines"/> results.</summary>
    /// <exception cref="FormatException">The body has another number of lines, or a line is not a result object.</exception>
    public static ImportResults Parse(ReadOnlySpan<byte> body, int expectedLines)
    {
        Dictionary<int, ImportLineResult>? others = null;
        var count = 0;
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? default : body[(end + 1)..];
            line = line.TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                continue;
            }

            if (count == expectedLines)
            {
                throw new FormatException($"the import answered more result lines than the {expectedLines} documents sent");
            }

            // Nearly every line is this one: compare bytes instead of parsing.
            if (!line.SequenceEqual("{\"success\":true}"u8) && ParseLine(line) is var result && result != ImportLineResult.Stored)
            {
                (others ??= [])[count] = result;
            }
            count++;
        }

        if (count != expectedLines)
        {
            throw new FormatException($"the import answered {count} result lines for {expectedLines} documents");
        }

        return new ImportResults(count, others);
    }

    private static ImportLineResult ParseLine(ReadOnlySpan<byte> line)
    {
        bool? success = null;
        int? code = null;
        string? error = null;
        string? id = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("an import result line is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("success"u8))
                {
                    reader.Read();
                    success = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var c) ? c : null;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip(); // document, embedding_error, ...
                }
            }
        }
        catch (JsonException ex)
        {
            throw new FormatException("an import result line is not valid JSON", ex);
        }

        if (success is null)
        {
            throw new FormatException("an import result line has no 'success' field");
        }

        return success.Value
            ? new ImportLineResult(true, code ?? 200, null, id)
            : new ImportLineResult(false, code ?? 400, error, id);
    }
}

using System.Text;
using System.Text.Json;

namespace WalSync.Typesense;

/// <summary>Extracts Typesense's error message from an error response body.</summary>
/// <remarks>
/// Bodies are <c>{"message": "..."}</c>, but many are built by string concatenation without JSON escaping, and
/// the HTTP layer answers some errors in plain text (https://github.com/typesense/typesense <c>http_data.h</c>).
/// </remarks>
internal static class ErrorBodyReader
{
    private const int MaxMessageChars = 1000;

    /// <summary>Reads the message of <paramref name="response"/>; null when the body is empty or unreadable.</summary>
    public static async Task<string?> ReadMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return Extract(body);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null; // the status alone still explains the failure
        }
    }

    /// <summary>The <c>message</c> of a JSON body, the text of a non-JSON body, or null when empty.</summary>
    public static string? Extract(ReadOnlySpan<byte> body)
    {
        body = body.Trim(" \r\n\t"u8);
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            string? message = null;
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isMessage = reader.ValueTextEquals("message"u8);
                    reader.Read();
                    if (isMessage && reader.TokenType == JsonTokenType.String)
                    {
                        message = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                // Only trust the message once the whole body proved to be JSON (quotes in it are not escaped).
                if (message is not null && reader.TokenType == JsonTokenType.EndObject && !reader.Read())
                {
                    return Truncate(message);
                }
            }
        }
        catch (JsonException)
        {
            // Unescaped quotes in the message: fall through to the raw text.
        }

        var text = Encoding.UTF8.GetString(body);
        const string unescapedPrefix = "{\"message\": \"";
        if (text.StartsWith(unescapedPrefix, StringComparison.Ordinal) && text.EndsWith("\"}", StringComparison.Ordinal))
        {
            text = text[unescapedPrefix.Length..^2];
        }

        return Truncate(text);
    }

    private static string? Truncate(string? text) =>
        text is { Length: > MaxMessageChars } ? string.Concat(text.AsSpan(0, MaxMessageChars), "…") : text;
}

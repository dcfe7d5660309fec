using System.Text.Json;
using NpgsqlTypes;

namespace WalSync.DeadLetters;

/// <summary>
/// One dead letter as one JSON line of the directory store:
/// <c>{"created_at":"2025-01-31T12:00:00.000+00:00","table":"public.items","collection":"items","document_id":"7",
/// "key":["7"],"operation":"upsert","lsn":"0/16B3748","error":"…","document":"{…}","retried_at":null}</c>.
/// <c>lsn</c> is null for rows of a backfill, <c>document</c> when none was built.
/// </summary>
internal static class DeadLetterJson
{
    /// <summary>Writes <paramref name="letter"/> as one JSON object (without the line break).</summary>
    public static void Write(Utf8JsonWriter json, DeadLetter letter, DateTimeOffset createdAt, DateTimeOffset? retriedAt)
    {
        json.WriteStartObject();
        json.WriteString("created_at", createdAt);
        json.WriteString("table", letter.Table);
        json.WriteString("collection", letter.Collection);
        json.WriteString("document_id", letter.DocumentId);
        json.WriteStartArray("key");
        foreach (var part in letter.Key)
        {
            json.WriteStringValue(part);
        }
        json.WriteEndArray();
        json.WriteString("operation", letter.Operation);
        json.WriteString("lsn", letter.Lsn == NpgsqlLogSequenceNumber.Invalid ? null : letter.Lsn.ToString());
        json.WriteString("error", letter.Error);
        json.WriteString("document", letter.Document);
        if (retriedAt is { } retried)
        {
            json.WriteString("retried_at", retried);
        }
        else
        {
            json.WriteNull("retried_at");
        }
        json.WriteEndObject();
    }

    /// <summary>Reads one line written by <see cref="Write"/>.</summary>
    /// <exception cref="FormatException">The line is not such an object.</exception>
    public static (DeadLetter Letter, DateTimeOffset CreatedAt, DateTimeOffset? RetriedAt) Read(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var lsn = root.GetProperty("lsn");
            var letter = new DeadLetter(
                root.GetProperty("table").GetString()!,
                root.GetProperty("collection").GetString()!,
                root.GetProperty("document_id").GetString()!,
                root.GetProperty("key").EnumerateArray().Select(part => part.GetString()!).ToArray(),
                root.GetProperty("operation").GetString()!,
                lsn.ValueKind == JsonValueKind.Null ? NpgsqlLogSequenceNumber.Invalid : NpgsqlLogSequenceNumber.Parse(lsn.GetString()!),
                root.GetProperty("error").GetString()!,
                root.GetProperty("document").GetString());
            var retried = root.GetProperty("retried_at");
            return (letter, root.GetProperty("created_at").GetDateTimeOffset(),
                retried.ValueKind == JsonValueKind.Null ? null : retried.GetDateTimeOffset());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new FormatException($"not a dead letter: {e.Message}", e);
        }
    }
}

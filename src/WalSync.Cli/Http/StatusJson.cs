using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using NpgsqlTypes;
using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>How <c>/status</c>, <c>/readyz</c> and <c>/wait</c> write JSON: snake_case names, phases in lower case, LSNs as
/// PostgreSQL prints them (<c>0/16B3748</c>, null before the first).</summary>
public static class StatusJson
{
    /// <summary>The serializer options of every answer.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Answers are read by people and scripts, never embedded in HTML: "+00:00" need not be written "\u002B00:00".
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new LsnConverter(), new JsonStringEnumConverter<SyncPhase>(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = StatusJsonContext.Default,
    };

    /// <summary>The <c>/status</c> document: the snapshot, and whether WalSync is ready with the reason when it is not.</summary>
    public static JsonObject Document(SyncStatus status, TimeSpan unreadyAfter)
    {
        ArgumentNullException.ThrowIfNull(status);
        var document = JsonSerializer.SerializeToNode(status, Info<SyncStatus>())!.AsObject();
        var ready = status.IsReady(unreadyAfter, out var reason);
        document.Insert(0, "ready", ready);
        document.Insert(1, "not_ready_reason", reason);
        return document;
    }

    /// <summary>Parses a <c>/status</c> document (for <c>walsync status</c>).</summary>
    /// <exception cref="JsonException">The text is not such a document.</exception>
    public static SyncStatus? Parse(string json) => JsonSerializer.Deserialize(json, Info<SyncStatus>());

    /// <summary>The metadata of <typeparamref name="T"/> under <see cref="Options"/>.</summary>
    internal static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Writes an LSN as PostgreSQL prints it, and <see cref="NpgsqlLogSequenceNumber.Invalid"/> as null.</summary>
    private sealed class LsnConverter : JsonConverter<NpgsqlLogSequenceNumber>
    {
        public override NpgsqlLogSequenceNumber Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? NpgsqlLogSequenceNumber.Invalid : NpgsqlLogSequenceNumber.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, NpgsqlLogSequenceNumber value, JsonSerializerOptions options)
        {
            if (value == NpgsqlLogSequenceNumber.Invalid)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(value.ToString());
            }
        }

        public override bool HandleNull => true;
    }
}

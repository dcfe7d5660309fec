using System.Buffers;
using System.Text.Json;

namespace WalSync.Typesense;

/// <summary>Request bodies of the collection endpoints.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/collections.html</remarks>
internal static class CollectionPayloads
{
    /// <summary>The body of <c>POST /collections</c>.</summary>
    public static byte[] Create(CollectionSchema schema) =>
        JsonSerializer.SerializeToUtf8Bytes(schema, TypesenseJsonContext.Default.CollectionSchema);

    /// <summary>
    /// The body of <c>PATCH /collections/:name</c>: <c>{"fields":[…]}</c>, where a field with <c>Drop = true</c>
    /// is sent as <c>{"name":…,"drop":true}</c> only, as the alter endpoint expects.
    /// </summary>
    public static byte[] Alter(IReadOnlyList<FieldSchema> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("fields");
            foreach (var field in fields)
            {
                if (field.Drop == true)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", field.Name);
                    writer.WriteBoolean("drop", true);
                    writer.WriteEndObject();
                }
                else
                {
                    JsonSerializer.Serialize(writer, field, TypesenseJsonContext.Default.FieldSchema);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

using System.Text.Json.Serialization;

namespace WalSync.Typesense;

/// <summary>One field of a <see cref="CollectionSchema"/>.</summary>
/// <remarks>Types: https://typesense.org/docs/29.0/api/collections.html#field-types</remarks>
public sealed record FieldSchema
{
    /// <summary>The field name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The Typesense type: string, int32, int64, float, bool, their arrays (string[] …), object, auto.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>When true a document may omit the field (WalSync omits NULL columns).</summary>
    [JsonPropertyName("optional")]
    public bool Optional { get; init; }

    /// <summary>Whether the field is faceted (default false).</summary>
    [JsonPropertyName("facet")]
    public bool Facet { get; init; }

    /// <summary>Set only in an alter (<c>PATCH /collections/:name</c>) request to drop the field.</summary>
    [JsonPropertyName("drop")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Drop { get; init; }
}

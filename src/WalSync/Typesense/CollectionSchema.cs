using System.Text.Json.Serialization;

namespace WalSync.Typesense;

/// <summary>A Typesense collection schema as sent to <c>POST /collections</c> and read from <c>GET /collections/:name</c>.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/collections.html</remarks>
public sealed record CollectionSchema
{
    /// <summary>The collection name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The fields; Typesense ignores a field named <c>id</c>.</summary>
    [JsonPropertyName("fields")]
    public required IReadOnlyList<FieldSchema> Fields { get; init; }

    /// <summary>Must be true for <c>object</c> / <c>object[]</c> fields.</summary>
    [JsonPropertyName("enable_nested_fields")]
    public bool EnableNestedFields { get; init; }
}

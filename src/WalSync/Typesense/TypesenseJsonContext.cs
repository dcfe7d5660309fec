using System.Text.Json.Serialization;

namespace WalSync.Typesense;

/// <summary>Source-generated JSON metadata for the schema types the client sends and reads.</summary>
[JsonSerializable(typeof(CollectionSchema))]
[JsonSerializable(typeof(List<CollectionSchema>))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class TypesenseJsonContext : JsonSerializerContext;

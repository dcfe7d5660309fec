using System.Text.Json;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Validates a <c>POST /collections</c> body in Typesense's order (v29 <c>CollectionManager::create_collection()</c>):
/// top-level parameters, each field, the 409 name check, then whole-schema checks.
/// </summary>
internal static class CollectionSchemaParser
{
    private const string FieldsShape =
        "The `fields` value should be an array of objects containing `name`, `type` and optionally, `facet` properties.";

    /// <summary>Returns an error, or null with <paramref name="collection"/> built (not yet added to the store).</summary>
    public static ApiError? Parse(JsonElement body, EmulatorStore store, out EmulatorCollection? collection)
    {
        collection = null;
        if (!body.TryGetProperty("name", out var nameElement))
        {
            return new ApiError(400, "Parameter `name` is required.");
        }

        if (nameElement.ValueKind != JsonValueKind.String || nameElement.GetString()!.Length == 0)
        {
            return new ApiError(400, "Parameter `name` must be a non-empty string.");
        }

        if (!body.TryGetProperty("fields", out var fieldsElement))
        {
            return new ApiError(400, "Parameter `fields` is required.");
        }

        var sortingField = string.Empty;
        if (body.TryGetProperty("default_sorting_field", out var sortingElement))
        {
            if (sortingElement.ValueKind != JsonValueKind.String)
            {
                return new ApiError(400, "`default_sorting_field` should be a string. It should be the name of an int32/float field.");
            }

            sortingField = sortingElement.GetString()!;
        }

        var nested = false;
        if (body.TryGetProperty("enable_nested_fields", out var nestedElement))
        {
            if (nestedElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return new ApiError(400, "`enable_nested_fields` should be a boolean.");
            }

            nested = nestedElement.ValueKind == JsonValueKind.True;
        }

        if (fieldsElement.ValueKind != JsonValueKind.Array || fieldsElement.GetArrayLength() == 0)
        {
            return new ApiError(400, FieldsShape);
        }

        byte[]? metadata = null;
        if (body.TryGetProperty("metadata", out var metadataElement))
        {
            if (metadataElement.ValueKind != JsonValueKind.Object)
            {
                return new ApiError(400, "The `metadata` value should be an object.");
            }

            metadata = JsonBody.Canonical(metadataElement);
        }

        if (sortingField == "id")
        {
            return new ApiError(400, "Invalid `default_sorting_field` value: cannot be `id`.");
        }

        var fields = new List<FieldDefinition>();
        foreach (var fieldJson in fieldsElement.EnumerateArray())
        {
            if (FieldParser.Parse(fieldJson, nested, forAlter: false, out var field) is { } fieldError)
            {
                return fieldError;
            }

            if (field is not null)
            {
                fields.Add(field);
            }
        }

        var name = nameElement.GetString()!;
        if (store.Exists(name))
        {
            return new ApiError(409, $"A collection with name `{name}` already exists.");
        }

        if (FieldParser.CheckAll(fields, sortingField) is { } schemaError)
        {
            return schemaError;
        }

        collection = new EmulatorCollection
        {
            Name = name,
            CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            DefaultSortingField = sortingField,
            EnableNestedFields = nested,
            Metadata = metadata,
            Fields = fields,
            SymbolsToIndex = StringList(body, "symbols_to_index"),
            TokenSeparators = StringList(body, "token_separators"),
        };
        return null;
    }

    private static byte[] StringList(JsonElement body, string property) =>
        body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? JsonBody.Canonical(value)
            : "[]"u8.ToArray();
}

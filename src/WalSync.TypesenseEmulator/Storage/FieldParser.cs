using System.Text.Json;
using System.Text.RegularExpressions;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>Reads one entry of a schema's <c>fields</c> array with Typesense's checks and defaults.</summary>
/// <remarks>Messages from Typesense v29 <c>field::json_field_to_field()</c> and <c>fields_to_json_fields()</c>.</remarks>
internal static class FieldParser
{
    private const string WrongFormat =
        "Wrong format for `fields`. It should be an array of objects containing `name`, `type`, `optional` and `facet` properties.";

    private static readonly string[] BoolProperties = ["facet", "optional", "index", "sort", "infix", "store", "stem", "range_index"];

    private static readonly HashSet<string> ValidTypes =
    [
        "string", "int32", "int64", "float", "bool", "string[]", "int32[]", "int64[]", "float[]", "bool[]",
        "geopoint", "geopoint[]", "geopolygon", "object", "object[]", "auto", "string*", "image",
    ];

    /// <summary>True if Typesense accepts <paramref name="type"/> as a field type.</summary>
    public static bool IsValidType(string type) => ValidTypes.Contains(type);

    /// <summary>
    /// Parses one field. Returns an error, or null with <paramref name="field"/> set (null for a field named
    /// <c>id</c>, which Typesense silently ignores).
    /// </summary>
    public static ApiError? Parse(JsonElement json, bool nestedEnabled, bool forAlter, out FieldDefinition? field)
    {
        field = null;
        if (json.ValueKind != JsonValueKind.Object
            || !json.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || !json.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            return new ApiError(400, WrongFormat);
        }

        var name = nameElement.GetString()!;
        var type = typeElement.GetString()!;
        if (name == "id")
        {
            return null;
        }

        if (!forAlter && json.TryGetProperty("drop", out _))
        {
            return new ApiError(400, $"Invalid property `drop` on field `{name}`: it is allowed only during schema update.");
        }

        foreach (var property in BoolProperties)
        {
            if (json.TryGetProperty(property, out var value) && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return new ApiError(400, $"The `{property}` property of the field `{name}` should be a boolean.");
            }
        }

        var locale = json.TryGetProperty("locale", out var localeElement) && localeElement.ValueKind == JsonValueKind.String
            ? localeElement.GetString()!
            : string.Empty;
        var isFallback = name == ".*";
        var isDynamic = name.Contains(".*", StringComparison.Ordinal) || type is "auto" or "string*";
        var facet = Bool(json, "facet", false);
        var optional = Bool(json, "optional", isDynamic);
        var index = Bool(json, "index", true);
        if (isFallback)
        {
            if (!optional)
            {
                return new ApiError(400, "Field `.*` must be an optional field.");
            }

            if (facet)
            {
                return new ApiError(400, "Field `.*` cannot be a facet field.");
            }

            if (!index)
            {
                return new ApiError(400, "Field `.*` must be an index field.");
            }
        }

        if (type is "object" or "object[]" && !nestedEnabled)
        {
            return new ApiError(
                400,
                "Type `object` or `object[]` can be used only when nested fields are enabled by setting` enable_nested_fields` to true.");
        }

        field = new FieldDefinition
        {
            Name = name,
            Type = type,
            Facet = facet,
            Optional = optional,
            Index = index,
            Sort = Bool(json, "sort", !isFallback && FieldDefinition.DefaultSort(type)),
            Infix = Bool(json, "infix", false),
            Store = Bool(json, "store", true),
            Stem = Bool(json, "stem", false),
            RangeIndex = Bool(json, "range_index", false),
            Locale = locale,
            IsNestedPath = nestedEnabled && !isDynamic && name.Contains('.', StringComparison.Ordinal),
            Pattern = name.Contains(".*", StringComparison.Ordinal)
                ? new Regex("^(?:" + name + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
                : null,
        };
        return null;
    }

    /// <summary>Checks made after parsing all fields (Typesense <c>fields_to_json_fields()</c>).</summary>
    public static ApiError? CheckAll(IReadOnlyList<FieldDefinition> fields, string defaultSortingField)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sortingFieldFound = defaultSortingField.Length == 0;
        foreach (var field in fields)
        {
            if (!IsValidType(field.Type))
            {
                return new ApiError(400, $"Field `{field.Name}` has an invalid data type `{field.Type}`, see docs for supported data types.");
            }

            if (field.Name == defaultSortingField)
            {
                if (field.Type is "geopoint" or "geopolygon")
                {
                    return new ApiError(400, "Default sorting field cannot be of type geopoint.");
                }

                var sortable = field.Type is "int32" or "int64" or "float" or "bool" or "string" && field.Sort;
                if (!sortable)
                {
                    return new ApiError(400, $"Default sorting field `{field.Name}` is not a sortable type.");
                }

                if (field.Optional)
                {
                    return new ApiError(400, $"Default sorting field `{field.Name}` cannot be an optional field.");
                }

                sortingFieldFound = true;
            }

            if (field.IsDynamic && !field.Optional)
            {
                return new ApiError(400, $"Field `{field.Name}` must be an optional field.");
            }

            if (field.Facet && !field.Index)
            {
                return new ApiError(400, $"Field `{field.Name}` cannot be a facet since it's marked as non-indexable.");
            }

            if (!names.Add(field.Name))
            {
                return new ApiError(400, "There are duplicate field names in the schema.");
            }
        }

        return sortingFieldFound
            ? null
            : new ApiError(400, $"Default sorting field is defined as `{defaultSortingField}` but is not found in the schema.");
    }

    private static bool Bool(JsonElement json, string property, bool fallback) =>
        json.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.True : fallback;
}

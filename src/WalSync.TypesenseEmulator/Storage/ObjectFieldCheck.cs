using System.Text.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Top-level <c>object</c> and <c>object[]</c> fields as Typesense v29 flattens them before validation
/// (src/field.cpp <c>field::flatten_field()</c> and <c>field::flatten_obj()</c>, called from
/// <c>Collection::add_many()</c>): the value's kind is checked, and its primitive values become optional sub-fields.
/// </summary>
internal static class ObjectFieldCheck
{
    /// <summary>
    /// Checks the value of <paramref name="field"/>: missing and required, 404 <c>Field `f` not found.</c> (an update may
    /// leave it out); null and required, or of another JSON kind, 400 <c>Field `f` has an incorrect type.</c>
    /// </summary>
    /// <returns>The status and error, or none; <c>SetNull</c> when an optional field's null must remove it. A value that
    /// passes adds its sub-fields to <paramref name="found"/> (<see cref="Discover"/>).</returns>
    public static (int Code, string? Error, bool SetNull) Check(EmulatorCollection collection, FieldDefinition field, JsonElement document, bool merge,
        ref List<FieldDefinition>? found)
    {
        if (!document.TryGetProperty(field.Name, out var value))
        {
            return merge || field.Optional ? (200, null, false) : (404, $"Field `{field.Name}` not found.", false);
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return field.Optional ? (200, null, true) : (400, $"Field `{field.Name}` has an incorrect type.", false);
        }

        var fits = field.Type == "object"
            ? value.ValueKind == JsonValueKind.Object
            : value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object);
        if (fits)
        {
            if (field.Index)
            {
                Discover(collection, field, value, field.Name, field.Type == "object[]", found ??= []);
            }

            return (200, null, false);
        }

        return field.Type == "object" && value.ValueKind == JsonValueKind.Array
            ? (400, $"Field `{field.Name}` has an incorrect type. Hint: field inside an array of objects must be an array type as well.", false)
            : (400, $"Field `{field.Name}` has an incorrect type.", false);
    }

    /// <summary>Adds to <paramref name="found"/> a sub-field for each primitive value under <paramref name="value"/> that the
    /// schema lacks: optional, typed by its first value (integer <c>int64</c>, fraction <c>float</c>, <c>string</c>,
    /// <c>bool</c>; an array type when reached through an array), with the parent's facet, index, infix, locale and store,
    /// sortable when a numeric or bool scalar.</summary>
    public static void Discover(EmulatorCollection collection, FieldDefinition parent, JsonElement value, string path, bool throughArray, List<FieldDefinition> found)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    Discover(collection, parent, property.Value, path + "." + property.Name, throughArray, found);
                }

                return;
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray())
                {
                    Discover(collection, parent, element, path, true, found);
                }

                return;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
        }

        if (path == parent.Name || collection.FindField(path) is not null || found.Exists(f => f.Name == path))
        {
            return;
        }

        var type = value.ValueKind switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => ValueCoercion.IsInteger(value) ? "int64" : "float",
            _ => "bool",
        };
        found.Add(new FieldDefinition
        {
            Name = path,
            Type = throughArray ? type + "[]" : type,
            Facet = parent.Facet,
            Optional = true,
            Index = parent.Index,
            Sort = !throughArray && type != "string",
            Infix = parent.Infix,
            Locale = parent.Locale,
            Store = parent.Store,
            IsNestedPath = true,
            Discovered = true,
        });
    }
}

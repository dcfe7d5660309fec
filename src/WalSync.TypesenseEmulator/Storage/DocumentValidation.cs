using System.Text.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Validates one document against a collection schema: default sorting field, required fields, types with
/// <c>dirty_values</c>, and type detection for dynamic fields. Produces top-level overrides (coerced values, or
/// <c>null</c> to remove a field) and the concrete fields to add to the schema when the write succeeds.
/// </summary>
internal sealed class DocumentValidation
{
    private readonly EmulatorCollection _collection;
    private readonly JsonElement _document;
    private readonly bool _merge;
    private readonly DirtyValues _dirty;
    private List<FieldDefinition>? _newFields;
    private Dictionary<string, string>? _overrides;

    /// <summary>Prepares a validation; <paramref name="merge"/> is true for updates of an existing document.</summary>
    public DocumentValidation(EmulatorCollection collection, JsonElement document, bool merge, DirtyValues dirty)
    {
        _collection = collection;
        _document = document;
        _merge = merge;
        _dirty = dirty;
    }

    /// <summary>Top-level field name → canonical JSON to store instead ("null" removes the field).</summary>
    public Dictionary<string, string> Overrides => _overrides ??= new(StringComparer.Ordinal);

    /// <summary>The status of <see cref="Run"/>'s error: 400, or 404 for a missing required object.</summary>
    public int ErrorCode { get; private set; } = 400;

    /// <summary>True when <see cref="Overrides"/> holds anything.</summary>
    public bool HasOverrides => _overrides is { Count: > 0 };

    /// <summary>Runs the checks; returns the error text of the first failure, or null.</summary>
    public string? Run()
    {
        // Typesense flattens object fields before any other check (Collection::add_many()), so their errors come first.
        foreach (var field in _collection.Fields.Where(f => f.Type is "object" or "object[]" && !f.IsNestedPath))
        {
            var (code, error, setNull) = ObjectFieldCheck.Check(_collection, field, _document, _merge, ref _newFields);
            if (error is not null)
            {
                ErrorCode = code;
                return error;
            }

            if (setNull)
            {
                Overrides[field.Name] = "null";
            }
        }

        var sorting = _collection.DefaultSortingField;
        if (!_merge && sorting.Length > 0 && !_document.TryGetProperty(sorting, out _))
        {
            return $"Field `{sorting}` has been declared as a default sorting field, but is not found in the document.";
        }

        foreach (var field in _collection.Fields)
        {
            if (field.IsDynamic || field.Discovered || field.Type is "object" or "object[]" && !field.IsNestedPath || CheckField(field) is not { } error)
            {
                continue;
            }

            return error;
        }

        return _collection.HasDynamicFields ? DetectDynamicFields() : null;
    }

    /// <summary>Adds detected fields to the schema; call only after the document was stored.</summary>
    public void CommitNewFields()
    {
        if (_newFields is null)
        {
            return;
        }

        foreach (var field in _newFields)
        {
            if (_collection.FindField(field.Name) is null)
            {
                _collection.Fields.Add(field);
                _collection.FieldsChanged();
            }
        }
    }

    private string? CheckField(FieldDefinition field)
    {
        var lookup = TryGetValue(field, out var value);
        if (lookup is null)
        {
            return null;
        }

        var present = lookup.Value;
        if (!present || value.ValueKind == JsonValueKind.Null)
        {
            if (_merge || field.Optional)
            {
                if (present && !field.IsNestedPath)
                {
                    Overrides[field.Name] = "null";
                }

                return null;
            }

            if (!present)
            {
                return $"Field `{field.Name}` has been declared in the schema, but is not found in the document.";
            }

            if (field.IsArray && !field.IsNestedPath)
            {
                Overrides[field.Name] = "[]";
                return null;
            }
        }

        return Apply(field, value);
    }

    private string? Apply(FieldDefinition field, JsonElement value)
    {
        var result = FieldValidator.Check(field, value, _dirty);
        if (field.IsNestedPath)
        {
            // Coercion inside nested objects is not rewritten; only rejections count.
            return result.Kind == FieldValidator.Action.Reject && _dirty == DirtyValues.Reject ? result.Error : null;
        }

        switch (result.Kind)
        {
            case FieldValidator.Action.Reject:
                return result.Error;
            case FieldValidator.Action.Replace:
                Overrides[field.Name] = result.Replacement!;
                break;
            case FieldValidator.Action.Drop:
                Overrides[field.Name] = "null";
                break;
        }

        return null;
    }

    // Null when the path crosses an array of objects: such nested values are stored but not checked.
    private bool? TryGetValue(FieldDefinition field, out JsonElement value)
    {
        if (!field.IsNestedPath)
        {
            return _document.TryGetProperty(field.Name, out value);
        }

        value = _document;
        foreach (var part in field.Name.Split('.'))
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                return false;
            }
        }

        return true;
    }

    private string? DetectDynamicFields()
    {
        foreach (var property in _document.EnumerateObject())
        {
            if (property.Name == "id" || property.Value.ValueKind == JsonValueKind.Null
                || _collection.FindField(property.Name) is not null || _newFields?.Exists(f => f.Name == property.Name) == true)
            {
                continue;
            }

            var dynamic = FindDynamic(property.Name);
            var type = dynamic is null ? null : DynamicType(dynamic, property.Value);
            if (type is null)
            {
                continue;
            }

            var concrete = dynamic!.Concrete(property.Name, type);
            if (Apply(concrete, property.Value) is { } error)
            {
                return error;
            }

            (_newFields ??= []).Add(concrete);
        }

        return null;
    }

    private FieldDefinition? FindDynamic(string name)
    {
        FieldDefinition? fallback = null;
        foreach (var field in _collection.Fields)
        {
            if (!field.IsDynamic)
            {
                continue;
            }

            if (field.Name == name)
            {
                return field;
            }

            if (field.Name == ".*")
            {
                fallback = field;
            }
            else if (field.Pattern?.IsMatch(name) == true)
            {
                return field;
            }
        }

        return fallback;
    }

    private string? DynamicType(FieldDefinition dynamic, JsonElement value)
    {
        if (dynamic.Type == "string*")
        {
            return value.ValueKind == JsonValueKind.Array ? "string[]" : "string";
        }

        return dynamic.Type == "auto" ? Detect(value) : dynamic.Type;
    }

    // Typesense field::get_type(): the first array element decides an array's type; empty arrays are not detected.
    private string? Detect(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => ValueCoercion.IsInteger(value) ? "int64" : "float",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Object => _collection.EnableNestedFields ? "object" : null,
        JsonValueKind.Array when value.GetArrayLength() > 0 && Detect(value[0]) is { } element
            => element == "object" ? "object[]" : element + "[]",
        _ => null,
    };
}

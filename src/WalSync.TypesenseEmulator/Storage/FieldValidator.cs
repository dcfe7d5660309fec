using System.Text;
using System.Text.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Validates one document value against its schema field under a <see cref="DirtyValues"/> mode.
/// Error texts from Typesense v29 <c>validator_t::validate_index_in_memory()</c>.
/// </summary>
internal static class FieldValidator
{
    /// <summary>What to do with the value.</summary>
    public enum Action
    {
        /// <summary>Store it as is.</summary>
        Keep,

        /// <summary>Store <see cref="Result.Replacement"/> instead.</summary>
        Replace,

        /// <summary>Remove the field from the document.</summary>
        Drop,

        /// <summary>Reject the document with <see cref="Result.Error"/>.</summary>
        Reject,
    }

    /// <summary>Check outcome.</summary>
    /// <param name="Kind">What to do.</param>
    /// <param name="Replacement">Canonical JSON of the coerced value for <see cref="Action.Replace"/>.</param>
    /// <param name="Error">Message for <see cref="Action.Reject"/>.</param>
    public readonly record struct Result(Action Kind, string? Replacement = null, string? Error = null);

    /// <summary>Checks a present, non-null value.</summary>
    public static Result Check(FieldDefinition field, JsonElement value, DirtyValues dirty)
    {
        var coerce = dirty is DirtyValues.CoerceOrReject or DirtyValues.CoerceOrDrop || field.Type == "string*";
        var dropAllowed = dirty is DirtyValues.Drop or DirtyValues.CoerceOrDrop && field.Optional;
        var type = field.Type == "string*" ? "string" : field.Type;
        return type switch
        {
            "object[]" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object)
                ? new Result(Action.Keep)
                : Fail(dropAllowed, $"Field `{field.Name}` must be an array of objects."),
            "geopoint" => IsGeopoint(value) ? new Result(Action.Keep)
                : Fail(dropAllowed, $"Field `{field.Name}` must be a 2 element array: [lat, lng]."),
            "geopoint[]" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(IsGeopoint)
                ? new Result(Action.Keep)
                : Fail(dropAllowed, $"Field `{field.Name}` must be an array of geopoint."),
            "geopolygon" => new Result(Action.Keep),
            _ when type.EndsWith("[]", StringComparison.Ordinal) => CheckArray(field, type[..^2], value, coerce, dirty),
            _ => CheckScalar(field, type, value, coerce, dropAllowed, dirty),
        };
    }

    private static Result CheckScalar(FieldDefinition field, string type, JsonElement value, bool coerce, bool dropAllowed, DirtyValues dirty)
    {
        var outcome = ValueCoercion.Check(type, value, coerce, out var replacement);
        switch (outcome)
        {
            case ValueCoercion.Outcome.Match:
                return new Result(Action.Keep);
            case ValueCoercion.Outcome.Coerced:
                return new Result(Action.Replace, replacement);
            case ValueCoercion.Outcome.Int32Overflow:
                return new Result(Action.Reject, Error: $"Field `{field.Name}` exceeds maximum value of int32.");
        }

        // Typesense quirk: under coerce_or_drop a non-boolean string for a bool field is still an error.
        var quirk = type == "bool" && value.ValueKind == JsonValueKind.String && dirty == DirtyValues.CoerceOrDrop;
        return Fail(dropAllowed && !quirk, $"Field `{field.Name}` must be {Article(type)} {type}.");
    }

    private static Result CheckArray(FieldDefinition field, string elementType, JsonElement value, bool coerce, DirtyValues dirty)
    {
        var dropAllowed = dirty is DirtyValues.Drop or DirtyValues.CoerceOrDrop;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail(dropAllowed && field.Optional, $"Field `{field.Name}` must be an array.");
        }

        var error = elementType is "float" or "bool"
            ? $"Field `{field.Name}` must be a array of {elementType}."
            : $"Field `{field.Name}` must be an array of {elementType}.";
        StringBuilder? rebuilt = null;
        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var outcome = ValueCoercion.Check(elementType, element, coerce, out var replacement);
            if (outcome == ValueCoercion.Outcome.Int32Overflow)
            {
                return new Result(Action.Reject, Error: $"Field `{field.Name}` exceeds maximum value of int32.");
            }

            if (outcome == ValueCoercion.Outcome.Mismatch && !dropAllowed)
            {
                return new Result(Action.Reject, Error: error);
            }

            if (outcome != ValueCoercion.Outcome.Match && rebuilt is null)
            {
                rebuilt = new StringBuilder("[");
                foreach (var earlier in value.EnumerateArray().Take(index))
                {
                    AppendElement(rebuilt, Canonical(earlier));
                }
            }

            if (rebuilt is not null && outcome != ValueCoercion.Outcome.Mismatch)
            {
                AppendElement(rebuilt, replacement ?? Canonical(element));
            }

            index++;
        }

        return rebuilt is null ? new Result(Action.Keep) : new Result(Action.Replace, rebuilt.Append(']').ToString());
    }

    private static void AppendElement(StringBuilder array, string json)
    {
        if (array.Length > 1)
        {
            array.Append(',');
        }

        array.Append(json);
    }

    private static string Canonical(JsonElement element)
    {
        var buffer = new Json.Utf8Buffer(64);
        Json.CanonicalJson.WriteValue(buffer, element);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsGeopoint(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
        && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number);

    private static Result Fail(bool drop, string error) =>
        drop ? new Result(Action.Drop) : new Result(Action.Reject, Error: error);

    private static string Article(string type) => type is "int32" or "int64" or "object" or "image" ? "an" : "a";
}

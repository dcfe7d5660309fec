using System.Buffers;
using System.Text.Json;

namespace WalSync.Mapping;

/// <summary>
/// Writes the nested fields of one document from the JSON that <see cref="NestedSql"/> reads: per entry, null (no row of a
/// many-to-one), one row, or an array of rows, where a row is an array of the columns' text forms followed by its own
/// entries. Each text form is mapped like a top-level column of its type (<see cref="JsonValueWriter"/>), so nested and
/// top-level values agree; a NULL column is left out of its object.
/// </summary>
internal static class NestedJsonWriter
{
    /// <summary>Writes the fields of <paramref name="plans"/> from <paramref name="json"/> into <paramref name="writer"/>'s document.</summary>
    /// <returns>Null on success, or the reason (naming the sub-field) the value cannot become part of a document.</returns>
    public static string? Write(JsonValueWriter writer, IReadOnlyList<NestedPlan> plans, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plans);
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return "the nested fields read from PostgreSQL are not a JSON array";
        }
        foreach (var plan in plans)
        {
            reader.Read();
            if (WriteEntry(writer, plan, ref reader, "") is { } error)
            {
                return error;
            }
        }
        return null;
    }

    private static string? WriteEntry(JsonValueWriter writer, NestedPlan plan, ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            // A many-to-one reference that is NULL or finds no row: the field is left out.
            return null;
        }
        if (plan.Kind == NestedRelationKind.Generated)
        {
            return WriteRow(writer, plan, ref reader, path);
        }
        path += plan.Field;
        writer.Json.PropertyName(plan.EncodedField);
        if (!plan.IsArray)
        {
            return WriteRow(writer, plan, ref reader, path);
        }
        writer.Json.StartArray();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (WriteRow(writer, plan, ref reader, path) is { } error)
            {
                return error;
            }
        }
        writer.Json.EndArray();
        return null;
    }

    // The reader is on the row's StartArray; it is left on its EndArray. Generated columns are fields of the document itself.
    private static string? WriteRow(JsonValueWriter writer, NestedPlan plan, ref Utf8JsonReader reader, string path)
    {
        var inObject = plan.Kind != NestedRelationKind.Generated;
        if (inObject)
        {
            writer.Json.StartObject();
        }
        foreach (var column in plan.Columns)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }
            writer.Json.PropertyName(column.EncodedName);
            var text = Unescaped(ref reader, out var rented);
            var element = 0;
            var error = column.Type.IsArray ? writer.WriteArray(column.Type.Kind, column.Type.Delimiter, text, out element) : writer.WriteScalar(column.Type.Kind, text);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            if (error != ValueError.None)
            {
                return MappingErrors.Describe(new FieldPlan(0, inObject ? $"{path}.{column.Name}" : column.Name, column.EncodedName, column.Type, false), error, element);
            }
        }
        foreach (var child in plan.Children)
        {
            reader.Read();
            if (WriteEntry(writer, child, ref reader, path + ".") is { } error)
            {
                return error;
            }
        }
        reader.Read();
        if (inObject)
        {
            writer.Json.EndObject();
        }
        return null;
    }

    // The string's UTF-8 bytes without JSON escapes; a rented buffer to return when it had escapes.
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, out byte[]? rented)
    {
        rented = null;
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }
        rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        var length = reader.CopyString(rented);
        return rented.AsSpan(0, length);
    }
}

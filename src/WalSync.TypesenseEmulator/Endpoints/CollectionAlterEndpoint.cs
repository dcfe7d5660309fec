using System.Text.Json;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>PATCH /collections/:c</c>: add and drop fields, set metadata. Checks and texts from Typesense v29
/// <c>Collection::validate_alter_payload()</c>; existing documents are checked against added fields.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection</remarks>
internal static class CollectionAlterEndpoint
{
    private const string WrongFormat =
        "Wrong format for `fields`. It should be an array of objects containing `name`, `type`, `optional` and `facet` properties.";

    /// <summary>Handles the request: 200 with the payload echoed (added fields with their defaults).</summary>
    public static async Task HandleAsync(RequestContext context)
    {
        using var document = await context.ReadJsonObjectAsync();
        if (document is null)
        {
            return;
        }

        var collection = context.Collection();
        if (collection is null)
        {
            await context.CollectionNotFoundAsync();
            return;
        }

        var payload = document.RootElement;
        ApiError? error;
        Utf8Buffer? echo = null;
        lock (collection.Gate)
        {
            error = Alter(collection, payload, out echo);
        }

        await (error is null ? HttpResults.WriteAsync(context.Http, 200, echo!) : HttpResults.ErrorAsync(context.Http, error));
    }

    private static ApiError? Alter(EmulatorCollection collection, JsonElement payload, out Utf8Buffer? echo)
    {
        echo = null;
        if (payload.EnumerateObject().Any(p => p.Name is not ("fields" or "metadata")))
        {
            return new ApiError(400, "Only `fields` and `metadata` can be updated at the moment.");
        }

        if (!payload.EnumerateObject().Any())
        {
            return new ApiError(400, "Alter payload is empty.");
        }

        if (payload.TryGetProperty("metadata", out var metadata) && metadata.ValueKind != JsonValueKind.Object)
        {
            return new ApiError(400, "The `metadata` value should be an object.");
        }

        var drops = new List<string>();
        var adds = new List<(FieldDefinition Field, JsonElement Json)>();
        if (payload.TryGetProperty("fields", out var fields) && PlanFields(collection, fields, drops, adds) is { } planError)
        {
            return planError;
        }

        foreach (var (field, _) in adds)
        {
            if (CheckExistingDocuments(collection, field) is { } documentError)
            {
                return documentError;
            }
        }

        collection.Fields.RemoveAll(f => drops.Contains(f.Name));
        collection.Fields.AddRange(adds.Select(a => a.Field));
        collection.FieldsChanged();
        if (metadata.ValueKind == JsonValueKind.Object)
        {
            collection.Metadata = JsonBody.Canonical(metadata);
        }

        echo = Echo(payload, fields, adds);
        return null;
    }

    private static ApiError? PlanFields(
        EmulatorCollection collection, JsonElement fields, List<string> drops, List<(FieldDefinition, JsonElement)> adds)
    {
        if (fields.ValueKind != JsonValueKind.Array)
        {
            return new ApiError(400, WrongFormat);
        }

        var dropNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in fields.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                return new ApiError(400, WrongFormat);
            }

            if (name.GetString() == "id")
            {
                return new ApiError(400, "Field `id` cannot be altered.");
            }

            if (entry.TryGetProperty("drop", out _))
            {
                dropNames.Add(name.GetString()!);
            }
        }

        foreach (var entry in fields.EnumerateArray())
        {
            var name = entry.GetProperty("name").GetString()!;
            var exists = collection.Fields.Exists(f => f.Name == name);
            if (entry.TryGetProperty("drop", out var drop))
            {
                if (drop.ValueKind != JsonValueKind.True)
                {
                    return new ApiError(400, $"Field `{name}` must have a drop value of `true`.");
                }

                if (!exists)
                {
                    return new ApiError(400, $"Field `{name}` is not part of collection schema.");
                }

                drops.Add(name);
                continue;
            }

            var reindex = dropNames.Contains(name);
            if (!exists && reindex)
            {
                return new ApiError(400, $"Field `{name}` cannot be added and deleted at the same time.");
            }

            if (exists && !reindex)
            {
                return name == ".*"
                    ? new ApiError(400, "The schema already contains a `.*` field.")
                    : new ApiError(400, $"Field `{name}` is already part of the schema: To change this field, drop it first before adding it back to the schema.");
            }

            if (FieldParser.Parse(entry, collection.EnableNestedFields, forAlter: true, out var field) is { } fieldError)
            {
                return fieldError;
            }

            if (field is not null)
            {
                if (!FieldParser.IsValidType(field.Type))
                {
                    return new ApiError(400, $"Field `{name}` has an invalid data type `{field.Type}`, see docs for supported data types.");
                }

                adds.Add((field, entry));
            }
        }

        return null;
    }

    // Typesense re-validates stored documents with coerce_or_reject and rewords the validator's message.
    private static ApiError? CheckExistingDocuments(EmulatorCollection collection, FieldDefinition field)
    {
        if (field.IsDynamic)
        {
            return null;
        }

        foreach (var stored in collection.Documents.All)
        {
            using var parsed = stored.Parse();
            var present = parsed.RootElement.TryGetProperty(field.Name, out var value) && value.ValueKind != JsonValueKind.Null;
            if (!present)
            {
                if (field.Optional || field.IsArray)
                {
                    continue;
                }

                return new ApiError(400, $"Field `{field.Name}` has been declared in the schema, but is not found in the documents already present in the collection. If you still want to add this field, set it as `optional: true`.");
            }

            var result = FieldValidator.Check(field, value, DirtyValues.CoerceOrReject);
            if (result.Kind == FieldValidator.Action.Reject)
            {
                var parts = result.Error!.Split("must be", 2);
                var subject = char.ToLowerInvariant(parts[0][0]) + parts[0][1..].Trim();
                return new ApiError(400, "Schema change is incompatible with the type of documents already stored in this collection. Existing data for " + subject + " cannot be coerced into " + parts[1].Trim());
            }
        }

        return null;
    }

    private static Utf8Buffer Echo(JsonElement payload, JsonElement fields, List<(FieldDefinition Field, JsonElement Json)> adds)
    {
        var output = new Utf8Buffer();
        output.Write((byte)'{');
        if (fields.ValueKind == JsonValueKind.Array)
        {
            output.Write("\"fields\":["u8);
            var first = true;
            foreach (var entry in fields.EnumerateArray())
            {
                if (!first)
                {
                    output.Write((byte)',');
                }

                first = false;
                var added = adds.FindIndex(a => a.Json.Equals(entry));
                if (added >= 0)
                {
                    adds[added].Field.WriteJson(output);
                }
                else
                {
                    CanonicalJson.WriteValue(output, entry);
                }
            }

            output.Write((byte)']');
        }

        if (payload.TryGetProperty("metadata", out var metadata))
        {
            output.Write(fields.ValueKind == JsonValueKind.Array ? ",\"metadata\":"u8 : "\"metadata\":"u8);
            CanonicalJson.WriteValue(output, metadata);
        }

        output.Write((byte)'}');
        return output;
    }
}

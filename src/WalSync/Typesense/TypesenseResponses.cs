using System.Text.Json;
using System.Text.Json.Nodes;

namespace WalSync.Typesense;

/// <summary>Reads and checks the responses of Typesense calls (statuses below 500: 5xx never get here).</summary>
internal static class TypesenseResponses
{
    /// <summary>Throws a non-transient <see cref="TypesenseException"/> with Typesense's message unless the status is 2xx.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, node, call, cancellationToken);
        }
    }

    /// <summary>A non-transient <see cref="TypesenseException"/> for an error answer.</summary>
    public static async Task<TypesenseException> ErrorAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, CancellationToken cancellationToken)
    {
        var message = await ErrorBodyReader.ReadMessageAsync(response, cancellationToken);
        return new TypesenseException(node.BaseUri, call.Operation, (int)response.StatusCode, message, isTransient: false);
    }

    /// <summary>The body of a 2xx answer parsed as a JSON object.</summary>
    /// <exception cref="TypesenseException">A 4xx answer, or a body that is not a JSON object.</exception>
    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, node, call, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Parse(body, node, call, response);
    }

    /// <summary>The integer property <paramref name="name"/> of a 2xx JSON answer, e.g. <c>num_deleted</c>.</summary>
    /// <exception cref="TypesenseException">A 4xx answer, or a body without that integer.</exception>
    public static async Task<int> ReadIntAsync(HttpResponseMessage response, TypesenseNode node, TypesenseCall call, string name, CancellationToken cancellationToken)
    {
        var body = await ReadObjectAsync(response, node, call, cancellationToken);
        if (body[name] is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }

        throw Unreadable(node, call, response, $"the answer has no integer '{name}'", null);
    }

    /// <summary>Parses one JSON object; a malformed body is a non-transient <see cref="TypesenseException"/>.</summary>
    public static JsonObject Parse(ReadOnlySpan<byte> json, TypesenseNode node, TypesenseCall call, HttpResponseMessage response)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return JsonNode.Parse(ref reader) as JsonObject
                ?? throw Unreadable(node, call, response, "the answer is not a JSON object", null);
        }
        catch (JsonException ex)
        {
            throw Unreadable(node, call, response, "the answer is not valid JSON", ex);
        }
    }

    /// <summary>A non-transient error for a 2xx answer the client cannot read.</summary>
    public static TypesenseException Unreadable(TypesenseNode node, TypesenseCall call, HttpResponseMessage response, string reason, Exception? inner) =>
        new(node.BaseUri, call.Operation, (int)response.StatusCode, reason, isTransient: false, inner);
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WalSync.Typesense;

/// <summary>Collection management: read, list, create, alter and drop collections, and the aliases that name them.</summary>
public sealed partial class TypesenseClient
{
    /// <summary>Reads a collection's schema with <c>GET /collections/:name</c> (an alias resolves to its target).</summary>
    /// <returns>The schema, or null when Typesense answers 404.</returns>
    /// <exception cref="TypesenseException">Another 4xx, an unreadable answer, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#retrieve-a-collection</remarks>
    public Task<CollectionSchema?> GetCollectionAsync(string name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var call = new TypesenseCall(HttpMethod.Get, TypesensePaths.Collection(name), _options.ConnectionTimeout);
        return _transport.SendAsync(call, async (response, node, token) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            await TypesenseResponses.EnsureSuccessAsync(response, node, call, token);
            var body = await response.Content.ReadAsByteArrayAsync(token);
            try
            {
                return JsonSerializer.Deserialize(body, TypesenseJsonContext.Default.CollectionSchema);
            }
            catch (JsonException ex)
            {
                throw TypesenseResponses.Unreadable(node, call, response, "the collection summary is not a schema", ex);
            }
        }, ct);
    }

    /// <summary>Creates a collection with <c>POST /collections</c>.</summary>
    /// <exception cref="TypesenseException">409 when it exists, 400 for an invalid schema, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#create-a-collection</remarks>
    public Task CreateCollectionAsync(CollectionSchema schema, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var call = new TypesenseCall(HttpMethod.Post, "/collections", _options.ConnectionTimeout, CollectionPayloads.Create(schema), "application/json");
        return _transport.SendAsync(call, (response, node, token) => TypesenseResponses.EnsureSuccessAsync(response, node, call, token), ct);
    }

    /// <summary>
    /// Alters a collection's schema with <c>PATCH /collections/:name</c>: adds the given fields, and drops those with
    /// <see cref="FieldSchema.Drop"/> = true (a drop and an add of the same name change its type). Typesense checks
    /// the stored documents against the change before answering, which can take long on a large collection.
    /// </summary>
    /// <exception cref="TypesenseException">400 for an invalid change, 404 missing collection, 422 concurrent alter, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection. Uses <see cref="TypesenseOptions.ImportTimeout"/>.</remarks>
    public Task UpdateCollectionFieldsAsync(string name, IReadOnlyList<FieldSchema> fields, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(fields);
        var call = new TypesenseCall(HttpMethod.Patch, TypesensePaths.Collection(name), _options.ImportTimeout, CollectionPayloads.Alter(fields), "application/json");
        return _transport.SendAsync(call, (response, node, token) => TypesenseResponses.EnsureSuccessAsync(response, node, call, token), ct);
    }

    /// <summary>Drops a collection and its documents with <c>DELETE /collections/:name</c>.</summary>
    /// <exception cref="TypesenseException">404 when it does not exist, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#drop-a-collection</remarks>
    public Task DeleteCollectionAsync(string name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var call = new TypesenseCall(HttpMethod.Delete, TypesensePaths.Collection(name), _options.ConnectionTimeout);
        return _transport.SendAsync(call, (response, node, token) => TypesenseResponses.EnsureSuccessAsync(response, node, call, token), ct);
    }

    /// <summary>The names of every collection, with <c>GET /collections</c>.</summary>
    /// <exception cref="TypesenseException">An unreadable answer, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#list-all-collections</remarks>
    public async Task<IReadOnlyList<string>> ListCollectionNamesAsync(CancellationToken ct) =>
        [.. (await ListCollectionsAsync(ct)).Select(c => c.Name)];

    /// <summary>Every collection's schema, with one <c>GET /collections</c>.</summary>
    /// <exception cref="TypesenseException">An unreadable answer, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collections.html#list-all-collections</remarks>
    public Task<IReadOnlyList<CollectionSchema>> ListCollectionsAsync(CancellationToken ct)
    {
        var call = new TypesenseCall(HttpMethod.Get, "/collections", _options.ConnectionTimeout);
        return _transport.SendAsync<IReadOnlyList<CollectionSchema>>(call, async (response, node, token) =>
        {
            await TypesenseResponses.EnsureSuccessAsync(response, node, call, token);
            var body = await response.Content.ReadAsByteArrayAsync(token);
            try
            {
                return JsonSerializer.Deserialize(body, TypesenseJsonContext.Default.ListCollectionSchema)
                    ?? throw TypesenseResponses.Unreadable(node, call, response, "the collection list is not an array", null);
            }
            catch (JsonException ex)
            {
                throw TypesenseResponses.Unreadable(node, call, response, "the collection list is not an array of collections", ex);
            }
        }, ct);
    }

    /// <summary>Every alias and the collection it points at, with one <c>GET /aliases</c>.</summary>
    /// <returns>Alias name → collection name.</returns>
    /// <exception cref="TypesenseException">An unreadable answer, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collection-alias.html#list-all-aliases</remarks>
    public Task<IReadOnlyDictionary<string, string>> ListAliasesAsync(CancellationToken ct)
    {
        var call = new TypesenseCall(HttpMethod.Get, "/aliases", _options.ConnectionTimeout);
        return _transport.SendAsync<IReadOnlyDictionary<string, string>>(call, async (response, node, token) =>
        {
            var answer = await TypesenseResponses.ReadObjectAsync(response, node, call, token);
            var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
            if (answer["aliases"] is not JsonArray list)
            {
                throw TypesenseResponses.Unreadable(node, call, response, "the answer has no aliases array", null);
            }
            foreach (var alias in list)
            {
                if (alias?["name"] is not JsonValue name || !name.TryGetValue<string>(out var aliasName)
                    || alias["collection_name"] is not JsonValue target || !target.TryGetValue<string>(out var collection))
                {
                    throw TypesenseResponses.Unreadable(node, call, response, "an alias has no name or collection_name", null);
                }
                aliases[aliasName] = collection;
            }
            return aliases;
        }, ct);
    }

    /// <summary>Points the alias <paramref name="name"/> at <paramref name="collection"/> (<c>PUT /aliases/:name</c>), creating
    /// it or moving it. On each node the switch is atomic: a request sees the old or the new collection.</summary>
    /// <exception cref="TypesenseException">500 when a collection has the alias's name, or retries exhausted.</exception>
    /// <remarks>https://typesense.org/docs/29.0/api/collection-alias.html</remarks>
    public Task UpsertAliasAsync(string name, string collection, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var body = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["collection_name"] = collection }.ToJsonString());
        var call = new TypesenseCall(HttpMethod.Put, "/aliases/" + Uri.EscapeDataString(name), _options.ConnectionTimeout, body, "application/json");
        return _transport.SendAsync(call, (response, node, token) => TypesenseResponses.EnsureSuccessAsync(response, node, call, token), ct);
    }

    /// <summary>The collection the alias <paramref name="name"/> points at (<c>GET /aliases/:name</c>), or null when there is no such alias.</summary>
    /// <exception cref="TypesenseException">An unreadable answer, or retries exhausted.</exception>
    public Task<string?> GetAliasAsync(string name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var call = new TypesenseCall(HttpMethod.Get, "/aliases/" + Uri.EscapeDataString(name), _options.ConnectionTimeout);
        return _transport.SendAsync(call, async (response, node, token) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
            var alias = await TypesenseResponses.ReadObjectAsync(response, node, call, token);
            return alias["collection_name"]?.GetValue<string>();
        }, ct);
    }
}

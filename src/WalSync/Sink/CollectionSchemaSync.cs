using Microsoft.Extensions.Logging;
using WalSync.Mapping;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Keeps each collection's schema in step with its table: creates a missing collection from the table's columns,
/// adds the field of a new column before documents that carry it are written, drops the field of a dropped column,
/// and retypes a field whose column changed type when the stored values stay right (<see cref="SchemaDiff"/>).
/// </summary>
/// <remarks>Alter API: https://typesense.org/docs/29.0/api/collections.html#update-or-alter-a-collection</remarks>
internal sealed class CollectionSchemaSync
{
    private readonly TypesenseClient _client;
    private readonly ILogger _logger;

    /// <summary>Per collection, the mapper whose fields the collection has now. Guarded by itself (flushes run in parallel per collection).</summary>
    private readonly Dictionary<string, DocumentMapper> _applied = new(StringComparer.Ordinal);

    /// <summary>Per collection, the fields Typesense reported or we created. Guarded by <see cref="_applied"/>.</summary>
    private readonly Dictionary<string, Dictionary<string, string>> _fields = new(StringComparer.Ordinal);

    /// <summary>Creates the synchroniser.</summary>
    public CollectionSchemaSync(TypesenseClient client, ILogger logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <summary>Checks, without changing anything, that <paramref name="collection"/> can take <paramref name="mapper"/>'s
    /// documents: it is missing (and would be created) or its fields can follow the table's columns.</summary>
    /// <param name="collection">The collection (or alias) name.</param>
    /// <param name="mapper">The table's documents.</param>
    /// <param name="catalog">Where to find the collection: read at start, or <see cref="CollectionCatalog.Live"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What was found, in one sentence.</returns>
    /// <exception cref="SchemaChangeException">A field has a type the table's documents cannot take.</exception>
    public static async Task<string> CheckAsync(string collection, DocumentMapper mapper, CollectionCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(catalog);
        var existing = await catalog.CollectionAsync(collection, cancellationToken);
        if (existing is null)
        {
            return $"collection '{collection}' does not exist yet: walsync run creates it with {mapper.Fields.Count} fields";
        }
        var diff = Compare(collection, mapper, null, existing.Fields.ToDictionary(f => f.Name, f => f.Type, StringComparer.Ordinal));
        var changes = diff.FieldsToAdd.Count + diff.FieldsToDrop.Count;
        return changes == 0
            ? $"collection '{collection}' has the fields of {mapper.Relation.QualifiedName}"
            : $"collection '{collection}' takes {mapper.Relation.QualifiedName}'s documents after walsync run alters {changes} field(s)";
    }

    /// <summary>Makes <paramref name="collection"/>'s schema carry <paramref name="mapper"/>'s fields, creating the
    /// collection when it does not exist.</summary>
    /// <exception cref="SchemaChangeException">A field changes to a type the documents in the collection cannot take
    /// (<see cref="FieldTypeChange.CanAlterInPlace"/>), or Typesense refused the change.</exception>
    public Task EnsureAsync(string collection, DocumentMapper mapper, CancellationToken cancellationToken) =>
        EnsureAsync(collection, mapper, CollectionCatalog.Live(_client), cancellationToken);

    /// <summary>As <see cref="EnsureAsync(string, DocumentMapper, CancellationToken)"/>, finding a collection not seen
    /// before in <paramref name="catalog"/> (read at start, or <see cref="CollectionCatalog.Live"/>).</summary>
    public async Task EnsureAsync(string collection, DocumentMapper mapper, CollectionCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        Dictionary<string, string> known;
        DocumentMapper? previous;
        lock (_applied)
        {
            if (_applied.TryGetValue(collection, out previous) && ReferenceEquals(previous, mapper))
            {
                return;
            }
            known = _fields.GetValueOrDefault(collection) ?? [];
        }
        if (previous is null)
        {
            var existing = await catalog.CollectionAsync(collection, cancellationToken);
            if (existing is null)
            {
                // Nested fields on from the start: a json column added later could not switch them on.
                var schema = mapper.BuildCollectionSchema(collection) with { EnableNestedFields = true };
                if (schema.Fields.Count == 0)
                {
                    // Typesense needs at least one field; a table that is only its key `id` gets the fallback field.
                    schema = schema with { Fields = [new FieldSchema { Name = ".*", Type = "auto", Optional = true }] };
                }
                await _client.CreateCollectionAsync(schema, cancellationToken);
                SinkLog.CollectionCreated(_logger, collection, mapper.Relation.QualifiedName, mapper.Fields.Count);
                Remember(collection, mapper, mapper.Fields.ToDictionary(f => f.Name, f => f.Type, StringComparer.Ordinal));
                return;
            }
            known = existing.Fields.ToDictionary(f => f.Name, f => f.Type, StringComparer.Ordinal);
        }

        var diff = Compare(collection, mapper, previous, known);
        // A drop and an add of one name in one request changes the type.
        var changes = diff.FieldsToDrop.Select(name => new FieldSchema { Name = name, Type = known[name], Drop = true }).Concat(diff.FieldsToAdd).ToList();
        if (changes.Count > 0)
        {
            try
            {
                await _client.UpdateCollectionFieldsAsync(collection, changes, cancellationToken);
            }
            catch (TypesenseException e) when (e.StatusCode is >= 400 and < 500)
            {
                throw new SchemaChangeException($"The schema of collection '{collection}' cannot follow table {mapper.Relation.QualifiedName} " +
                    $"({string.Join(", ", changes.Select(c => c.Drop == true ? $"drop {c.Name}" : $"add {c.Name} {c.Type}"))}): " +
                    $"{e.TypesenseMessage ?? e.Message}. Fix the column type, or rebuild the collection: walsync run --reindex {mapper.Relation.QualifiedName}", e);
            }
            var summary = string.Join(", ", changes.Select(c => c.Drop == true ? $"-{c.Name}" : $"+{c.Name}:{c.Type}"));
            SinkLog.CollectionAltered(_logger, collection, summary);
        }
        var fields = new Dictionary<string, string>(known, StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change.Drop == true)
            {
                fields.Remove(change.Name);
            }
            else
            {
                fields[change.Name] = change.Type;
            }
        }
        Remember(collection, mapper, fields);
    }

    /// <summary>The changes that bring <paramref name="known"/> to <paramref name="mapper"/>'s fields.</summary>
    /// <exception cref="SchemaChangeException">A field would change to a type the stored documents cannot take.</exception>
    private static SchemaDiff Compare(string collection, DocumentMapper mapper, DocumentMapper? previous, Dictionary<string, string> known)
    {
        // Only fields WalSync manages are compared: a field the previous table version had, or the new one has.
        var managed = mapper.Fields.Select(f => f.Name).Concat(previous?.Fields.Select(f => f.Name) ?? []).ToHashSet(StringComparer.Ordinal);
        var automatic = known.Where(f => f.Value == "auto" || f.Value.EndsWith('*')).Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var diff = SchemaDiff.Compare(
            known.Where(f => managed.Contains(f.Key) && !automatic.Contains(f.Key)).Select(f => new FieldSchema { Name = f.Key, Type = f.Value }).ToList(),
            mapper.Fields.Where(f => !automatic.Contains(f.Name)).ToList());
        if (diff.Incompatible.FirstOrDefault() is { } incompatible)
        {
            throw new SchemaChangeException($"Table {mapper.Relation.QualifiedName} changed: {incompatible.Describe(collection)} Rebuild it into a " +
                $"new version while this one keeps serving: walsync run --reindex {mapper.Relation.QualifiedName} (or set Schema:OnIncompatibleChange " +
                "to Rebuild, its default, to do so by itself).");
        }
        return diff;
    }

    private void Remember(string collection, DocumentMapper mapper, Dictionary<string, string> fields)
    {
        lock (_applied)
        {
            _applied[collection] = mapper;
            _fields[collection] = fields;
        }
    }
}

using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Every collection and alias of the Typesense cluster, read at one moment in two requests (<c>GET /collections</c>,
/// <c>GET /aliases</c>), so that start-up looks at each table's collection without a request per table. It does not
/// follow later changes: it is for the start-up checks and the plan made before streaming, and what they create or alter
/// themselves is remembered by <see cref="CollectionSchemaSync"/> or asked of Typesense again.
/// </summary>
internal sealed class CollectionCatalog
{
    private readonly IReadOnlyDictionary<string, string> _aliases;
    private readonly Dictionary<string, CollectionSchema> _collections;

    private CollectionCatalog(IReadOnlyDictionary<string, string> aliases, Dictionary<string, CollectionSchema> collections)
    {
        _aliases = aliases;
        _collections = collections;
    }

    /// <summary>Reads the cluster's collections and aliases.</summary>
    /// <exception cref="TypesenseException">An unreadable answer, or retries exhausted.</exception>
    public static async Task<CollectionCatalog> LoadAsync(TypesenseClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var aliases = await client.ListAliasesAsync(cancellationToken);
        var collections = (await client.ListCollectionsAsync(cancellationToken)).ToDictionary(c => c.Name, StringComparer.Ordinal);
        return new CollectionCatalog(aliases, collections);
    }

    /// <summary>The collection <paramref name="name"/> names, as <c>GET /collections/:name</c> answers: an alias's target
    /// first, else the collection of that name; null when there is neither.</summary>
    public CollectionSchema? Collection(string name) => _collections.GetValueOrDefault(_aliases.GetValueOrDefault(name) ?? name);

    /// <summary>What serves <paramref name="name"/>, as <see cref="CollectionVersions.ResolveAsync"/> says.</summary>
    public (string? Live, bool Plain) Resolve(string name) =>
        _aliases.TryGetValue(name, out var target) ? (target, false) : _collections.ContainsKey(name) ? (name, true) : (null, false);
}

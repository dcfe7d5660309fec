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

    /// <summary>Reads the cluster's collections and aliases; null when Typesense refuses the lists (401 or 403: an API key
    /// without the <c>collections:list</c> or <c>aliases:list</c> action; 404: a server without them), and the caller
    /// then asks for each collection as before.</summary>
    /// <exception cref="TypesenseException">Another error answer, an unreadable answer, or retries exhausted.</exception>
    /// <remarks>Actions per route: Typesense <c>src/http_data.cpp route_path::_get_action()</c>; a key's actions are
    /// checked by <c>AuthManager::auth_against_key()</c>.</remarks>
    public static async Task<CollectionCatalog?> TryLoadAsync(TypesenseClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var aliases = await client.ListAliasesAsync(cancellationToken);
            var collections = (await client.ListCollectionsAsync(cancellationToken)).ToDictionary(c => c.Name, StringComparer.Ordinal);
            return new CollectionCatalog(aliases, collections);
        }
        catch (TypesenseException e) when (e.StatusCode is 401 or 403 or 404)
        {
            return null;
        }
    }

    /// <summary>The collection <paramref name="name"/> names, as <c>GET /collections/:name</c> answers: an alias's target
    /// first, else the collection of that name; null when there is neither.</summary>
    public CollectionSchema? Collection(string name) => _collections.GetValueOrDefault(_aliases.GetValueOrDefault(name) ?? name);

    /// <summary>What serves <paramref name="name"/>, as <see cref="CollectionVersions.ResolveAsync"/> says.</summary>
    public (string? Live, bool Plain) Resolve(string name) =>
        _aliases.TryGetValue(name, out var target) ? (target, false) : _collections.ContainsKey(name) ? (name, true) : (null, false);
}

using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// What the Typesense cluster's collections and aliases are, either asked of Typesense at each call (<see cref="Live"/>)
/// or read at one moment in two requests (<c>GET /collections</c>, <c>GET /aliases</c>: <see cref="TryLoadAsync"/>), so
/// that start-up looks at each table's collection without a request per table. A loaded catalog does not follow later
/// changes: it is for the start-up checks and the plan made before streaming, and what they create or alter themselves is
/// remembered by <see cref="CollectionSchemaSync"/> or asked of Typesense again.
/// </summary>
internal sealed class CollectionCatalog
{
    private readonly TypesenseClient _client;
    private readonly IReadOnlyDictionary<string, string>? _aliases;
    private readonly Dictionary<string, CollectionSchema>? _collections;

    private CollectionCatalog(TypesenseClient client, IReadOnlyDictionary<string, string>? aliases, Dictionary<string, CollectionSchema>? collections)
    {
        _client = client;
        _aliases = aliases;
        _collections = collections;
    }

    /// <summary>A catalog that asks Typesense at each call (<c>GET /collections/:name</c>, <c>GET /aliases/:name</c>).</summary>
    public static CollectionCatalog Live(TypesenseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new CollectionCatalog(client, null, null);
    }

    /// <summary>Reads the cluster's collections and aliases; null when Typesense refuses the lists (401 or 403: an API key
    /// without the <c>collections:list</c> or <c>aliases:list</c> action; 404: a server without them), and the caller
    /// then asks for each collection (<see cref="Live"/>).</summary>
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
            return new CollectionCatalog(client, aliases, collections);
        }
        catch (TypesenseException e) when (e.StatusCode is 401 or 403 or 404)
        {
            return null;
        }
    }

    /// <summary>The catalog read at one moment (<see cref="TryLoadAsync"/>), or <see cref="Live"/> when Typesense refuses
    /// the lists.</summary>
    /// <exception cref="TypesenseException">As <see cref="TryLoadAsync"/>.</exception>
    public static async Task<CollectionCatalog> LoadAsync(TypesenseClient client, CancellationToken cancellationToken) =>
        await TryLoadAsync(client, cancellationToken) ?? Live(client);

    /// <summary>The collection <paramref name="name"/> names, as <c>GET /collections/:name</c> answers: an alias's target
    /// first, else the collection of that name; null when there is neither.</summary>
    /// <exception cref="TypesenseException">A live catalog's request failed.</exception>
    public async Task<CollectionSchema?> CollectionAsync(string name, CancellationToken cancellationToken) => _collections is null
        ? await _client.GetCollectionAsync(name, cancellationToken)
        : _collections.GetValueOrDefault(_aliases!.GetValueOrDefault(name) ?? name);

    /// <summary>What <paramref name="name"/> serves: the alias's collection, a plain collection of that name
    /// (<c>Plain</c>), or nothing.</summary>
    /// <exception cref="TypesenseException">A live catalog's request failed.</exception>
    public async Task<(string? Live, bool Plain)> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var target = _aliases is null ? await _client.GetAliasAsync(name, cancellationToken) : _aliases.GetValueOrDefault(name);
        if (target is not null)
        {
            return (target, false);
        }
        return await CollectionAsync(name, cancellationToken) is null ? (null, false) : (name, true);
    }
}

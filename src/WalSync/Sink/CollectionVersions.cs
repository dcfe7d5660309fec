using System.Globalization;
using Microsoft.Extensions.Logging;
using WalSync.Mapping;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Each configured collection name is a Typesense alias over versioned physical collections, <c>name__v1</c>,
/// <c>name__v2</c>, …: a rebuild fills a new version while the alias keeps serving the old one, then moves the alias.
/// Nothing here ever empties or drops the collection the alias serves.
/// </summary>
/// <remarks>
/// A collection of the alias's own name (made before WalSync used aliases) is served until its replacement is ready;
/// it is then dropped and the alias created, the one moment (two requests) when searches of the name find nothing:
/// Typesense refuses an alias named like an existing collection (https://typesense.org/docs/29.0/api/collection-alias.html).
/// Versions are addressed by their own names, never through the alias: a drop through an alias drops what it serves.
/// </remarks>
internal sealed class CollectionVersions
{
    private readonly TypesenseClient _client;
    private readonly CollectionSchemaSync _schemas;
    private readonly int _keep;
    private readonly ILogger _logger;

    /// <summary>Creates the manager.</summary>
    /// <param name="client">The Typesense client.</param>
    /// <param name="schemas">Creates a version's schema from its table.</param>
    /// <param name="keep">Old versions kept after a swap (<c>Reindex:KeepVersions</c>).</param>
    /// <param name="logger">The logger.</param>
    public CollectionVersions(TypesenseClient client, CollectionSchemaSync schemas, int keep, ILogger logger)
    {
        _client = client;
        _schemas = schemas;
        _keep = keep;
        _logger = logger;
    }

    /// <summary>What <paramref name="name"/> serves now: the alias's collection, a plain collection of that name
    /// (<c>Plain</c>), or nothing.</summary>
    public Task<(string? Live, bool Plain)> ResolveAsync(string name, CancellationToken cancellationToken) =>
        CollectionCatalog.Live(_client).ResolveAsync(name, cancellationToken);

    /// <summary>Creates the next version of <paramref name="name"/> with <paramref name="mapper"/>'s fields.</summary>
    /// <returns>The new version's name.</returns>
    public async Task<string> CreateVersionAsync(string name, DocumentMapper mapper, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(name, cancellationToken);
        var version = $"{name}__v{(versions.Count == 0 ? 1 : versions[0].Number + 1)}";
        await _schemas.EnsureAsync(version, mapper, cancellationToken);
        return version;
    }

    /// <summary>Points the alias <paramref name="name"/> at <paramref name="version"/>, then drops the versions older than
    /// the <c>keep</c> newest ones before it. Call with the table's <see cref="CollectionTargets.Gate"/> held.</summary>
    public async Task SwapAsync(string name, string version, CancellationToken cancellationToken)
    {
        var (live, plain) = await ResolveAsync(name, cancellationToken);
        if (plain)
        {
            await _client.DeleteCollectionAsync(name, cancellationToken);
        }
        await _client.UpsertAliasAsync(name, version, cancellationToken);
        SinkLog.AliasMoved(_logger, name, live ?? "nothing", version);
        var older = (await VersionsAsync(name, cancellationToken)).Where(v => v.Name != version).Skip(_keep);
        foreach (var (old, _) in older)
        {
            await _client.DeleteCollectionAsync(old, cancellationToken);
            SinkLog.VersionDropped(_logger, old, name);
        }
    }

    /// <summary>The versions of <paramref name="name"/>, newest first.</summary>
    private async Task<List<(string Name, int Number)>> VersionsAsync(string name, CancellationToken cancellationToken)
    {
        var prefix = name + "__v";
        return (await _client.ListCollectionNamesAsync(cancellationToken))
            .Where(c => c.StartsWith(prefix, StringComparison.Ordinal))
            .Select(c => (Name: c, Ok: int.TryParse(c.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n), Number: n))
            .Where(v => v.Ok)
            .Select(v => (v.Name, v.Number))
            .OrderByDescending(v => v.Number)
            .ToList();
    }
}

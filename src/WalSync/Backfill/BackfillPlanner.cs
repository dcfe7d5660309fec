using Microsoft.Extensions.Logging;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Typesense;

namespace WalSync.Backfill;

/// <summary>
/// Decides, per table, where its changes go and what must be read: a backfill left unfinished resumes; a collection
/// that does not exist yet (first start, a table added later) gets its first version behind the alias at once and is
/// filled; a rebuild (asked for, a new slot with collections already there, a collection from before aliases) fills a
/// new version while the live one keeps serving and receiving changes. Everything else just streams.
/// </summary>
internal sealed class BackfillPlanner
{
    private readonly TypesenseClient _client;
    private readonly CollectionVersions _versions;
    private readonly CollectionSchemaSync _schemas;
    private readonly BackfillStore _store;
    private readonly ILogger _logger;
    private readonly bool _rebuildIncompatible;
    private readonly Npgsql.NpgsqlDataSource _source;

    /// <summary>Creates the planner.</summary>
    /// <param name="client">The Typesense client.</param>
    /// <param name="versions">The collections' versions.</param>
    /// <param name="schemas">Brings schemas to the tables' columns.</param>
    /// <param name="store">The backfills' durable progress.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="rebuildIncompatible">Rebuild a collection that cannot take its table's columns (<c>Schema:OnIncompatibleChange</c>) instead of failing.</param>
    /// <param name="source">The source database, for the tables' columns as they are now.</param>
    public BackfillPlanner(TypesenseClient client, CollectionVersions versions, CollectionSchemaSync schemas, BackfillStore store, ILogger logger,
        bool rebuildIncompatible, Npgsql.NpgsqlDataSource source)
    {
        _source = source;
        _rebuildIncompatible = rebuildIncompatible;
        _client = client;
        _versions = versions;
        _schemas = schemas;
        _store = store;
        _logger = logger;
    }

    /// <summary>Sets every table's targets and returns the backfills to run.</summary>
    /// <param name="tables">The configured tables.</param>
    /// <param name="rebuild">Why every existing collection must be rebuilt (a new slot), or null.</param>
    /// <param name="reindex">Tables (schema.table) whose collection must be rebuilt.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    public async Task<List<BackfillJob>> PlanAsync(TableRegistry tables, string? rebuild, IReadOnlyCollection<string> reindex, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var unfinished = (await _store.LoadUnfinishedAsync(cancellationToken)).GroupBy(r => r.Table).ToDictionary(g => g.Key, g => g.Last());
        var jobs = new List<BackfillJob>();
        var relations = await CurrentRelationsAsync(tables.Bindings, cancellationToken);
        // Nothing else changes the collections while the run starts: two requests instead of a few for each table.
        var catalog = await CollectionCatalog.LoadAsync(_client, cancellationToken);
        foreach (var (table, relation) in tables.Bindings.Zip(relations))
        {
            var name = table.Source.Relation.QualifiedName;
            var reason = rebuild ?? (reindex.Contains(name) ? "a rebuild was asked for" : null);
            var mapper = await tables.GetMapperAsync(table, relation, cancellationToken);
            var job = unfinished.TryGetValue(name, out var record)
                ? await ResumeAsync(table, mapper, record, catalog, cancellationToken)
                : await PlanAsync(table, mapper, reason, catalog, cancellationToken);
            if (job is not null)
            {
                jobs.Add(job);
            }
        }
        return jobs;
    }

    /// <summary>Plans a rebuild of <paramref name="table"/> asked for while streaming, for <paramref name="reason"/> (logged).</summary>
    public async Task<BackfillJob?> PlanRebuildAsync(TableRegistry tables, TableBinding table, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var relation = (await CurrentRelationsAsync([table], cancellationToken))[0];
        return await PlanAsync(table, await tables.GetMapperAsync(table, relation, cancellationToken), reason, CollectionCatalog.Live(_client), cancellationToken);
    }

    private async Task<BackfillJob?> ResumeAsync(TableBinding table, DocumentMapper mapper, BackfillRecord record, CollectionCatalog catalog,
        CancellationToken cancellationToken)
    {
        var (live, _) = await catalog.ResolveAsync(table.Collection, cancellationToken);
        if (await catalog.CollectionAsync(record.Collection, cancellationToken) is null)
        {
            // Dropped by hand since: fill it again from the first row.
            record = record with { LastKey = null, RowsDone = 0 };
            await _store.StartAsync(record.Table, record.Collection, cancellationToken);
        }
        await _schemas.EnsureAsync(record.Collection, mapper, catalog, cancellationToken);
        if (live is null)
        {
            await _client.UpsertAliasAsync(table.Collection, record.Collection, cancellationToken);
            live = record.Collection;
        }
        table.Targets.Set(live == record.Collection ? [record.Collection] : [live, record.Collection]);
        return new BackfillJob(table, record, SwapWhenDone: live != record.Collection);
    }

    /// <param name="table">The table.</param>
    /// <param name="mapper">Its documents as its columns are now.</param>
    /// <param name="rebuild">Why its collection must be rebuilt, or null.</param>
    /// <param name="catalog">The collections read at start, or <see cref="CollectionCatalog.Live"/> (while streaming).</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    private async Task<BackfillJob?> PlanAsync(TableBinding table, DocumentMapper mapper, string? rebuild, CollectionCatalog catalog,
        CancellationToken cancellationToken)
    {
        var name = table.Source.Relation.QualifiedName;
        var (live, plain) = await catalog.ResolveAsync(table.Collection, cancellationToken);
        if (live is not null && rebuild is null && !plain)
        {
            try
            {
                await _schemas.EnsureAsync(live, mapper, catalog, cancellationToken);
                table.Targets.Set(live);
                return null;
            }
            catch (SchemaChangeException) when (_rebuildIncompatible)
            {
                rebuild = "a column changed to a type the collection cannot take";
            }
        }
        var version = await _versions.CreateVersionAsync(table.Collection, mapper, cancellationToken);
        await _store.StartAsync(name, version, cancellationToken);
        var record = new BackfillRecord(name, version, null, 0);
        if (live is null)
        {
            // Nothing served yet: the alias serves the new version while it fills.
            await _client.UpsertAliasAsync(table.Collection, version, cancellationToken);
            table.Targets.Set(version);
            return new BackfillJob(table, record, SwapWhenDone: false);
        }
        try
        {
            await _schemas.EnsureAsync(live, mapper, catalog, cancellationToken);
        }
        catch (SchemaChangeException)
        {
            // The live version cannot follow the table: it serves what it has until the new one replaces it.
        }
        var why = rebuild ?? $"{live} is a collection from before aliases";
        BackfillLog.Rebuilding(_logger, name, why, version, live);
        await table.Targets.Gate.WaitAsync(cancellationToken);
        try
        {
            table.Targets.Set(live, version);
        }
        finally
        {
            table.Targets.Gate.Release();
        }
        return new BackfillJob(table, record, SwapWhenDone: true);
    }

    /// <summary>The tables' columns as they are now, in one read: a version made while streaming must have the columns the
    /// next changes carry, not those of the start.</summary>
    private async Task<IReadOnlyList<RelationInfo>> CurrentRelationsAsync(IReadOnlyList<TableBinding> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await TableColumns.CurrentAsync(connection, [.. tables.Select(t => t.Source)], [.. tables.Select(t => t.Source.Relation)], cancellationToken);
    }
}

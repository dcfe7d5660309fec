using System.Runtime.CompilerServices;
using Npgsql;
using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>
/// Finds the configured table of a relation and the <see cref="DocumentMapper"/> for each version of it. A new
/// Relation message (ALTER TABLE, reconnect) brings a new <see cref="RelationInfo"/> and so a new mapper; the type
/// catalog is refreshed when it names a type created after start.
/// </summary>
internal sealed class TableRegistry
{
    private readonly Dictionary<string, TableBinding> _byName = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<RelationInfo, DocumentMapper> _mappers = [];
    private readonly NpgsqlDataSource _dataSource;
    private readonly PgTypeCatalog _types;

    /// <summary>Per nested or join table (schema.table), where it appears in configured tables' documents.</summary>
    private readonly Dictionary<string, List<RelatedLink>> _related = new(StringComparer.Ordinal);

    /// <summary>Creates the registry for the configured <paramref name="tables"/>.</summary>
    /// <param name="tables">The configured tables.</param>
    /// <param name="types">The type catalog.</param>
    /// <param name="dataSource">The source database, to refresh the type catalog.</param>
    /// <param name="nested">The resolved <c>Nested</c> entries per configured table (schema.table); none when null.</param>
    public TableRegistry(IEnumerable<SourceTable> tables, PgTypeCatalog types, NpgsqlDataSource dataSource,
        IReadOnlyDictionary<string, IReadOnlyList<NestedPlan>>? nested = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        foreach (var table in tables)
        {
            var binding = new TableBinding(table, table.Options.CollectionName)
            {
                Nested = nested?.GetValueOrDefault(table.Relation.QualifiedName) ?? [],
            };
            _byName[table.Relation.QualifiedName] = binding;
            Bindings.Add(binding);
            AddRelated(binding, binding.Nested);
        }
        _types = types;
        _dataSource = dataSource;
    }

    /// <summary>Every configured table.</summary>
    public List<TableBinding> Bindings { get; } = [];

    /// <summary>The type catalog in use.</summary>
    public PgTypeCatalog Types => _types;

    /// <summary>The binding of <paramref name="relation"/>, or null when it is not a configured table.</summary>
    public TableBinding? Find(RelationInfo relation) =>
        _byName.GetValueOrDefault(relation?.QualifiedName ?? throw new ArgumentNullException(nameof(relation)));

    /// <summary>Where <paramref name="relation"/> appears in configured tables' documents as a nested or join table; null when nowhere.</summary>
    public IReadOnlyList<RelatedLink>? FindRelated(RelationInfo relation) =>
        _related.GetValueOrDefault(relation?.QualifiedName ?? throw new ArgumentNullException(nameof(relation)));

    /// <summary>Where any of <paramref name="relations"/> appears in configured tables' documents, one link per root and entry.</summary>
    public IReadOnlyList<RelatedLink> FindRelated(IEnumerable<RelationInfo> relations) =>
        [.. relations.SelectMany(r => FindRelated(r) ?? []).Distinct()];

    /// <summary>Every nested and join table, schema.table.</summary>
    public IEnumerable<string> RelatedTables => _related.Keys;

    private void AddRelated(TableBinding root, IReadOnlyList<NestedPlan> plans)
    {
        foreach (var plan in plans.Where(p => p.Kind != NestedRelationKind.Generated))
        {
            Link(plan.Table, new RelatedLink(root, plan, Join: false));
            if (plan.Through is { } through)
            {
                Link(through, new RelatedLink(root, plan, Join: true));
            }
            AddRelated(root, plan.Children);
        }
    }

    private void Link(string table, RelatedLink link)
    {
        if (!_related.TryGetValue(table, out var links))
        {
            _related[table] = links = [];
        }
        links.Add(link);
    }

    /// <summary>The mapper for this version of <paramref name="table"/>'s relation.</summary>
    /// <exception cref="MappingConfigurationException">The relation lost a key column or a configured column.</exception>
    public async ValueTask<DocumentMapper> GetMapperAsync(TableBinding table, RelationInfo relation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (_mappers.TryGetValue(relation, out var mapper))
        {
            return mapper;
        }
        if (relation.Columns.Any(c => !_types.Contains(c.TypeOid)))
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await _types.RefreshAsync(connection, cancellationToken);
        }
        mapper = new DocumentMapper(relation, table.Source.KeyColumns, table.Source.Options, _types, table.Nested);
        _mappers.AddOrUpdate(relation, mapper);
        return mapper;
    }
}

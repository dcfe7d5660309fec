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

    /// <summary>Creates the registry for the configured <paramref name="tables"/>.</summary>
    public TableRegistry(IEnumerable<SourceTable> tables, PgTypeCatalog types, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(tables);
        foreach (var table in tables)
        {
            var binding = new TableBinding(table, table.Options.CollectionName);
            _byName[table.Relation.QualifiedName] = binding;
            Bindings.Add(binding);
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
        mapper = new DocumentMapper(relation, table.Source.KeyColumns, table.Source.Options, _types);
        _mappers.AddOrUpdate(relation, mapper);
        return mapper;
    }
}

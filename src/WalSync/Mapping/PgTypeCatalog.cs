using System.Collections.Frozen;
using Npgsql;

namespace WalSync.Mapping;

/// <summary>
/// The rows of <c>pg_type</c> that mapping needs, loaded once per connection: it resolves a domain to its base type
/// and an array to its element type. Thread-safe: <see cref="RefreshAsync"/> swaps in a new immutable table.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/catalog-pg-type.html</remarks>
internal sealed class PgTypeCatalog
{
    // A domain can be based on another domain; the chain is short, the limit only guards against a corrupt catalog.
    private const int MaxDomainDepth = 32;

    // An array type is the one its element type names as typarray; this leaves out int2vector and oidvector,
    // which have an element type but a space-separated text form.
    private const string Query = """
        SELECT t.oid, n.nspname, t.typname, t.typtype, t.typelem, t.typbasetype, t.typdelim,
               COALESCE(e.typarray = t.oid, false) AS is_array
        FROM pg_catalog.pg_type t
        JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
        """;

    private static readonly Lazy<PgTypeCatalog> BuiltInCatalog = new(() => new PgTypeCatalog(PgBuiltInTypes.All()));

    private volatile FrozenDictionary<uint, PgTypeInfo> _types;

    private PgTypeCatalog(IEnumerable<PgTypeInfo> types) => _types = ToTable(types);

    /// <summary>The built-in types of PostgreSQL 15 only (no enums, domains or extension types), without a database: for unit tests and benchmarks.</summary>
    public static PgTypeCatalog BuiltIn => BuiltInCatalog.Value;

    /// <summary>Number of types known.</summary>
    public int Count => _types.Count;

    /// <summary>Reads all of <c>pg_type</c> through <paramref name="connection"/> (an open, ordinary connection).</summary>
    /// <exception cref="NpgsqlException">The query failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static async Task<PgTypeCatalog> LoadAsync(NpgsqlConnection connection, CancellationToken ct) =>
        new(await ReadAsync(connection, ct).ConfigureAwait(false));

    /// <summary>A catalog of exactly <paramref name="types"/> plus the built-in types (for tests that need enums or domains).</summary>
    public static PgTypeCatalog Create(IEnumerable<PgTypeInfo> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        return new PgTypeCatalog(PgBuiltInTypes.All().Concat(types));
    }

    /// <summary>Reloads <c>pg_type</c>, e.g. after a Relation message named a type OID that <see cref="Contains"/> does not know.</summary>
    /// <exception cref="NpgsqlException">The query failed; the catalog keeps its previous contents.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task RefreshAsync(NpgsqlConnection connection, CancellationToken ct) =>
        _types = ToTable(await ReadAsync(connection, ct).ConfigureAwait(false));

    /// <summary>True when the type <paramref name="oid"/> is known.</summary>
    public bool Contains(uint oid) => _types.ContainsKey(oid);

    /// <summary>The type <paramref name="oid"/>, or null when it is not known.</summary>
    public PgTypeInfo? Find(uint oid) => _types.GetValueOrDefault(oid);

    /// <summary>The type <paramref name="oid"/> with domains followed to their base type; null when a type on the way is not known.</summary>
    public PgTypeInfo? FindBase(uint oid)
    {
        var type = Find(oid);
        for (var depth = 0; type is { Kind: PgTypeKind.Domain } && depth < MaxDomainDepth; depth++)
        {
            type = Find(type.BaseTypeOid);
        }
        return type is { Kind: PgTypeKind.Domain } ? null : type;
    }

    private static FrozenDictionary<uint, PgTypeInfo> ToTable(IEnumerable<PgTypeInfo> types)
    {
        var table = new Dictionary<uint, PgTypeInfo>();
        foreach (var type in types)
        {
            table[type.Oid] = type;
        }
        return table.ToFrozenDictionary();
    }

    private static async Task<List<PgTypeInfo>> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var types = new List<PgTypeInfo>(1024);
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var isArray = reader.GetBoolean(7);
            var kind = reader.GetChar(3) switch
            {
                'b' => isArray ? PgTypeKind.Array : PgTypeKind.Base,
                'c' => PgTypeKind.Composite,
                'd' => PgTypeKind.Domain,
                'e' => PgTypeKind.Enum,
                'r' => PgTypeKind.Range,
                'm' => PgTypeKind.Multirange,
                _ => PgTypeKind.Pseudo,
            };
            types.Add(new PgTypeInfo(
                Oid: reader.GetFieldValue<uint>(0),
                Namespace: reader.GetString(1),
                Name: reader.GetString(2),
                Kind: kind,
                ElementOid: isArray ? reader.GetFieldValue<uint>(4) : 0,
                BaseTypeOid: reader.GetFieldValue<uint>(5),
                Delimiter: reader.GetChar(6)));
        }
        return types;
    }
}

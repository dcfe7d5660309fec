using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;

namespace WalSync.Replication;

/// <summary>
/// Resolves <c>Tables[].Nested</c> against the catalog: each entry's relation kind from the foreign keys in
/// <c>pg_constraint</c>, its columns and their mapping, and whether the tables publish the old values of the columns
/// that lead from a changed row up to its parent (the replica identity).
/// </summary>
/// <remarks>Foreign keys: https://www.postgresql.org/docs/current/catalog-pg-constraint.html; replica identity:
/// https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY</remarks>
internal sealed class NestedRelations
{
    private readonly NpgsqlConnection _connection;
    private readonly PgTypeCatalog _types;
    private readonly List<string> _problems = [];
    private readonly Dictionary<string, TableFacts?> _tables = new(StringComparer.Ordinal);

    private NestedRelations(NpgsqlConnection connection, PgTypeCatalog types)
    {
        _connection = connection;
        _types = types;
    }

    /// <summary>The catalog facts of one table.</summary>
    private sealed record TableFacts(uint Oid, string Name, char ReplicaIdentity, List<(string Name, uint TypeOid, string SqlType)> Columns,
        List<string> KeyColumns, List<string> IdentityColumns);

    /// <summary>A foreign key: the referencing table and columns, the referenced table and columns, in key order.</summary>
    private sealed record ForeignKey(uint From, string[] FromColumns, uint To, string[] ToColumns);

    /// <summary>Resolves the <c>Nested</c> entries of <paramref name="root"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="root">The configured table the documents come from.</param>
    /// <param name="types">The type catalog.</param>
    /// <param name="cancellationToken">Cancels the catalog reads.</param>
    /// <returns>The resolved entries (empty when none is configured).</returns>
    /// <exception cref="ConfigurationException">A nested or join table does not exist, no foreign key or several link two
    /// tables, a column setting names no column, or a table does not publish the old values it must: every problem in one message.</exception>
    public static async Task<IReadOnlyList<NestedPlan>> ResolveAsync(NpgsqlConnection connection, SourceTable root, PgTypeCatalog types, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Options.Nested is not { Count: > 0 } nested)
        {
            return [];
        }
        var resolver = new NestedRelations(connection, types);
        var rootName = root.Relation.QualifiedName;
        var plans = await resolver.ResolveListAsync(nested, rootName, root.Relation.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal),
            $"Tables[{rootName}].Nested", cancellationToken);
        Publication.ThrowIfAny(resolver._problems);
        return plans;
    }

    /// <summary>Every table a list of entries reads, nested tables and join tables, schema.table, at every depth.</summary>
    public static IEnumerable<string> TablesOf(IEnumerable<NestedPlan> plans) =>
        plans.Where(p => p.Kind != NestedRelationKind.Generated).SelectMany(p => (string?[])[p.Table, p.Through, .. TablesOf(p.Children)]).OfType<string>();

    private async Task<List<NestedPlan>> ResolveListAsync(IList<NestedOptions> entries, string parent, HashSet<string> parentColumns, string path,
        CancellationToken cancellationToken)
    {
        var plans = new List<NestedPlan>();
        foreach (var entry in entries)
        {
            var at = $"{path}[{entry.Field}]";
            if (parentColumns.Contains(entry.Field))
            {
                _problems.Add($"{at}: {parent} already has a column named {entry.Field}; choose another Field.");
                continue;
            }
            if (await ResolveAsync(entry, parent, at, cancellationToken) is { } plan)
            {
                plans.Add(plan);
            }
        }
        return plans;
    }

    private async Task<NestedPlan?> ResolveAsync(NestedOptions entry, string parent, string at, CancellationToken cancellationToken)
    {
        var table = $"{entry.SchemaName}.{entry.TableName}";
        var parentFacts = await FactsAsync(parent, at, cancellationToken);
        var facts = await FactsAsync(table, at, cancellationToken);
        TableFacts? join = null;
        if (entry.Through is { } through)
        {
            join = await FactsAsync($"{NestedOptions.SchemaOf(through)}.{NestedOptions.NameOf(through)}", at, cancellationToken);
            if (join is null)
            {
                return null;
            }
        }
        if (parentFacts is null || facts is null)
        {
            return null;
        }
        if (facts.KeyColumns.Count == 0)
        {
            _problems.Add($"{at}: {table} has no primary key, which orders the nested rows and identifies them; add one (ALTER TABLE {table} ADD PRIMARY KEY (…);).");
            return null;
        }
        NestedRelationKind kind;
        ForeignKey parentLink;
        ForeignKey? childLink = null;
        if (join is not null)
        {
            kind = NestedRelationKind.ManyToMany;
            var toParent = Choose(await ForeignKeysAsync(join.Oid, parentFacts.Oid, cancellationToken), entry, at, join.Name, parent);
            var toChild = Choose(await ForeignKeysAsync(join.Oid, facts.Oid, cancellationToken), entry, at, join.Name, table);
            if (toParent is null || toChild is null)
            {
                return null;
            }
            (parentLink, childLink) = (toParent, toChild);
            RequireIdentity(join, [.. toParent.FromColumns, .. toChild.FromColumns], at);
            RequireIdentity(facts, toChild.ToColumns, at);
        }
        else
        {
            var candidates = (await ForeignKeysAsync(parentFacts.Oid, facts.Oid, cancellationToken))
                .Concat(parentFacts.Oid == facts.Oid ? [] : await ForeignKeysAsync(facts.Oid, parentFacts.Oid, cancellationToken)).ToList();
            var chosen = Choose(candidates, entry, at, parent, table);
            if (chosen is null)
            {
                return null;
            }
            parentLink = chosen;
            kind = chosen.From == parentFacts.Oid ? NestedRelationKind.ManyToOne : NestedRelationKind.OneToMany;
            RequireIdentity(facts, kind == NestedRelationKind.ManyToOne ? chosen.ToColumns : chosen.FromColumns, at);
        }
        var columns = SelectColumns(entry, facts, at);
        var children = await ResolveListAsync(entry.Nested ?? [], table, columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal), at + ".Nested", cancellationToken);
        var columnTypes = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal)
        {
            [table] = facts.Columns.ToDictionary(c => c.Name, c => c.SqlType, StringComparer.Ordinal),
        };
        if (join is not null)
        {
            columnTypes[join.Name] = join.Columns.ToDictionary(c => c.Name, c => c.SqlType, StringComparer.Ordinal);
        }
        var plan = new NestedPlan
        {
            Options = entry,
            EncodedField = JsonLineWriter.EncodePropertyName(entry.Field),
            Kind = kind,
            ParentTable = parent,
            Table = table,
            SqlTable = Quote(table),
            Through = join?.Name,
            SqlThrough = join is null ? null : Quote(join.Name),
            ParentColumns = kind switch
            {
                NestedRelationKind.ManyToOne => parentLink.FromColumns,
                _ => parentLink.ToColumns,
            },
            ChildColumns = kind switch
            {
                NestedRelationKind.ManyToOne => parentLink.ToColumns,
                NestedRelationKind.OneToMany => parentLink.FromColumns,
                _ => childLink!.ToColumns,
            },
            JoinParentColumns = kind == NestedRelationKind.ManyToMany ? parentLink.FromColumns : [],
            JoinChildColumns = kind == NestedRelationKind.ManyToMany ? childLink!.FromColumns : [],
            KeyColumns = facts.KeyColumns,
            ColumnTypes = columnTypes,
            Columns = columns,
            Children = children,
        };
        foreach (var child in children)
        {
            child.Parent = plan;
        }
        return plan;
    }

    /// <summary>The one foreign key among <paramref name="candidates"/>, narrowed by <c>ForeignKey</c> when several qualify.</summary>
    private ForeignKey? Choose(List<ForeignKey> candidates, NestedOptions entry, string at, string from, string to)
    {
        if (candidates.Count > 1 && entry.ForeignKey is { Count: > 0 } named)
        {
            candidates = candidates.Where(c => c.FromColumns.Order(StringComparer.Ordinal).SequenceEqual(named.Order(StringComparer.Ordinal))).ToList();
        }
        if (candidates.Count == 1)
        {
            return candidates[0];
        }
        var through = entry.Through is null ? $" (or, for a many-to-many relation, name a join table that references both in Through)" : "";
        _problems.Add(candidates.Count == 0
            ? $"{at}: no foreign key links {from} and {to}{(entry.ForeignKey is null ? "" : $" over ForeignKey [{string.Join(", ", entry.ForeignKey)}]")}; " +
              $"add one (ALTER TABLE … ADD FOREIGN KEY …){through}."
            : $"{at}: several foreign keys link {from} and {to} (referencing columns: {string.Join("; ", candidates.Select(c => string.Join(", ", c.FromColumns)))}); " +
              "name the one to follow with ForeignKey: [\"column\", …].");
        return null;
    }

    /// <summary>Records a problem when changes to <paramref name="table"/> would not carry the old values of <paramref name="columns"/>.</summary>
    private void RequireIdentity(TableFacts table, IReadOnlyList<string> columns, string at)
    {
        if (table.ReplicaIdentity == 'f' || columns.All(table.IdentityColumns.Contains))
        {
            return;
        }
        _problems.Add($"{at}: updates and deletes of {table.Name} must carry the old values of {string.Join(", ", columns)} so that the documents " +
            $"that held the row are rebuilt, but its replica identity does not include them. Run: ALTER TABLE {Quote(table.Name)} REPLICA IDENTITY FULL;");
    }

    private List<NestedColumn> SelectColumns(NestedOptions entry, TableFacts facts, string at)
    {
        foreach (var name in (entry.Columns ?? []).Concat(entry.ExcludeColumns ?? []))
        {
            if (!facts.Columns.Any(c => c.Name == name))
            {
                _problems.Add($"{at}: Columns or ExcludeColumns names \"{name}\", which is not a column of {facts.Name} " +
                    $"(columns: {string.Join(", ", facts.Columns.Select(c => c.Name))}); fix or remove the entry.");
            }
        }
        return facts.Columns
            .Where(c => entry.Columns is { Count: > 0 } ? entry.Columns.Contains(c.Name) : entry.ExcludeColumns?.Contains(c.Name) != true)
            .Select(c => new NestedColumn(c.Name, JsonLineWriter.EncodePropertyName(c.Name), ColumnType.Resolve(_types, c.TypeOid)))
            .ToList();
    }

    private async Task<TableFacts?> FactsAsync(string table, string at, CancellationToken cancellationToken)
    {
        if (_tables.TryGetValue(table, out var known))
        {
            return known;
        }
        TableFacts? facts = null;
        await using (var command = new NpgsqlCommand(
            "SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            _connection))
        {
            command.Parameters.AddWithValue(NestedOptions.SchemaOf(table));
            command.Parameters.AddWithValue(NestedOptions.NameOf(table));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                facts = new TableFacts(reader.GetFieldValue<uint>(0), table, reader.GetChar(1), [], [], []);
            }
        }
        if (facts is null)
        {
            _problems.Add($"{at}: the table {table} does not exist in the database '{_connection.Database}'; check Table or Through (schema.table).");
            _tables[table] = null;
            return null;
        }
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod), " +
            "coalesce((SELECT i.indisprimary FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)), false), " +
            "coalesce((SELECT true FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey) " +
            "AND CASE WHEN $2 = 'i' THEN i.indisreplident ELSE i.indisprimary END), false) " +
            "FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", _connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, facts.Oid);
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Char, facts.ReplicaIdentity.ToString());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                facts.Columns.Add((name, reader.GetFieldValue<uint>(1), reader.GetString(2)));
                if (reader.GetBoolean(3))
                {
                    facts.KeyColumns.Add(name);
                }
                if (reader.GetBoolean(4) && facts.ReplicaIdentity != 'n')
                {
                    facts.IdentityColumns.Add(name);
                }
            }
        }
        _tables[table] = facts;
        return facts;
    }

    /// <summary>The foreign keys of table <paramref name="from"/> that reference table <paramref name="to"/>.</summary>
    private async Task<List<ForeignKey>> ForeignKeysAsync(uint from, uint to, CancellationToken cancellationToken)
    {
        const string Columns = "ARRAY(SELECT a.attname::text FROM unnest({0}) WITH ORDINALITY AS k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = {1} AND a.attnum = k.attnum ORDER BY k.ord)";
        var sql = $"SELECT {string.Format(System.Globalization.CultureInfo.InvariantCulture, Columns, "c.conkey", "c.conrelid")}, " +
            $"{string.Format(System.Globalization.CultureInfo.InvariantCulture, Columns, "c.confkey", "c.confrelid")} " +
            "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = $1 AND c.confrelid = $2 ORDER BY c.conname";
        await using var command = new NpgsqlCommand(sql, _connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, from);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, to);
        var keys = new List<ForeignKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ForeignKey(from, reader.GetFieldValue<string[]>(0), to, reader.GetFieldValue<string[]>(1)));
        }
        return keys;
    }

    /// <summary>schema.table quoted for SQL.</summary>
    internal static string Quote(string table) =>
        $"{SourceTable.QuoteIdentifier(NestedOptions.SchemaOf(table))}.{SourceTable.QuoteIdentifier(NestedOptions.NameOf(table))}";
}

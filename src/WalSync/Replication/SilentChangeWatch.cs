using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// Notices changes to a table's rows that the stream never carries as inserts, updates or deletes, and asks for a
/// rebuild of the table's collection with the reason: a column added with a default or retyped (the rows were rewritten
/// or given a value in the catalog only), a partition attached with rows in it, a partition detached or dropped. It
/// compares the catalog (each table's columns and the partitions of partitioned ones) with what it saw before, at each
/// Relation message (which follows such a change before the table's next row; a partition's first row brings its own)
/// and every <see cref="PostgresOptions.CatalogCheckInterval"/> (for tables that do not change again). A configured table
/// made unlogged, or an unlogged or foreign partition attached, stops the run: its rows can never be published. One watch lives as long as
/// the service, so what it saw survives the pipeline's restarts.
/// </summary>
/// <remarks>
/// The catalog, not the Relation message, is compared: after a restart the stream may still describe the table as it
/// was before the change, and one place to compare with asks for one rebuild per change.
/// Source of PostgreSQL's behaviour: rewrites are skipped by logical decoding (<c>reorderbuffer.c</c>, <c>relrewrite</c>); a
/// non-volatile default is kept in <c>pg_attribute.attmissingval</c> (<c>atthasmissing</c>) and no row is written
/// (https://www.postgresql.org/docs/15/sql-altertable.html, Notes); "ATTACHing a table into a partition tree whose root
/// is published … does not result in the table's existing contents being replicated"
/// (https://www.postgresql.org/docs/15/sql-createpublication.html, Notes), and DETACH or DROP of a partition publishes
/// no deletes. A table made unlogged leaves a FOR ALL TABLES publication without a word (<c>tablecmds.c
/// ATPrepChangePersistence</c> checks only explicit members).
/// </remarks>
internal sealed class SilentChangeWatch
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string, string, bool> _rebuild;

    /// <summary>Relation messages not looked at yet; written by the reading loop, read by <see cref="RunAsync"/>.</summary>
    private readonly Channel<RelationInfo> _received = Channel.CreateUnbounded<RelationInfo>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Per table (schema.table), the version of its columns last compared. Used only by <see cref="RunAsync"/>
    /// (runs never overlap).</summary>
    private readonly Dictionary<string, RelationInfo> _relations = new(StringComparer.Ordinal);

    /// <summary>Per table (schema.table), the file (<c>pg_relation_filenode</c>) of each table holding its rows (itself, or
    /// each leaf partition) by OID, when its columns were last compared: a new file beside an added column means the rows
    /// were rewritten after the column got values, e.g. by ALTER COLUMN … TYPE before the watch looked. Set by
    /// <see cref="ReadBaselineAsync"/> and <see cref="RunAsync"/>.</summary>
    private readonly Dictionary<string, Dictionary<uint, uint>> _files = new(StringComparer.Ordinal);

    /// <summary>Per partitioned table (schema.table), its leaf partitions last seen, by OID. Used by <see cref="ReadBaselineAsync"/> before each
    /// run and by <see cref="RunAsync"/> during it.</summary>
    private readonly Dictionary<string, Dictionary<uint, string>> _partitions = new(StringComparer.Ordinal);

    /// <summary>Creates the watch.</summary>
    /// <param name="interval">How often the catalog is checked besides each Relation message.</param>
    /// <param name="time">The clock of the checks.</param>
    /// <param name="logger">Receives why a rebuild is asked for.</param>
    /// <param name="rebuild">Asks for a rebuild of a table (schema.table) for a reason; the flag is true when a column changed
    /// type, which <c>Schema:OnIncompatibleChange</c> governs (the callback may throw to stop the run instead).</param>
    public SilentChangeWatch(TimeSpan interval, TimeProvider time, ILogger logger, Action<string, string, bool> rebuild)
    {
        _interval = interval;
        _time = time;
        _logger = logger;
        _rebuild = rebuild;
    }

    /// <summary>Tells the watch of a Relation message, so that it checks the catalog now. Never blocks.</summary>
    public void RelationReceived(RelationInfo relation) => _received.Writer.TryWrite(relation);

    /// <summary>Reads the leaf partitions of the partitioned tables the watch has not seen yet, before the run streams or
    /// backfills: a partition attached after that is one the watch notices, however soon it comes.</summary>
    /// <param name="tables">The configured tables as the run found them in the catalog.</param>
    /// <param name="source">The source database.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task ReadBaselineAsync(IReadOnlyList<SourceTable> tables, NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(source);
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        var unseen = tables.Where(t => !_files.ContainsKey(t.Relation.QualifiedName)).ToList();
        foreach (var (table, files) in unseen.Zip(await FilesAsync(connection, unseen, cancellationToken)))
        {
            _files[table.Relation.QualifiedName] = files;
        }
        foreach (var table in tables.Where(t => t.IsPartitioned && !_partitions.ContainsKey(t.Relation.QualifiedName)))
        {
            _partitions[table.Relation.QualifiedName] = await LeafPartitionsAsync(connection, table.Relation.RelationId, cancellationToken);
        }
    }

    /// <summary>Compares the catalog with what an earlier run saw, then again after each Relation message and each interval,
    /// until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="tables">The configured tables as the run found them in the catalog.</param>
    /// <param name="source">The source database.</param>
    /// <param name="cancellationToken">Ends the watch with the pipeline run.</param>
    /// <exception cref="ConfigurationException">A configured table became unlogged, or a partition that is unlogged or foreign
    /// was attached: its rows can never be published.</exception>
    /// <exception cref="NpgsqlException">A catalog read failed; the pipeline restarts and the next run compares again.</exception>
    public async Task RunAsync(IReadOnlyList<SourceTable> tables, NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        using var timer = new PeriodicTimer(_interval, _time);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        var received = _received.Reader.WaitToReadAsync(cancellationToken).AsTask();
        var configured = tables.Select(t => t.Relation.RelationId).ToHashSet();
        // The first look and each interval's compare every table; a Relation message only its own table, so that the
        // first change of each of many tables does not make a look at all of them.
        var all = true;
        while (true)
        {
            // Every Relation message that came meanwhile is answered by this one look at the catalog.
            var named = new HashSet<uint>();
            while (_received.Reader.TryRead(out var relation))
            {
                // A partition's own Relation message (a publication not through the root) names no configured table.
                all |= !configured.Contains(relation.RelationId);
                named.Add(relation.RelationId);
            }
            if (all || named.Count > 0)
            {
                await CheckCatalogAsync(source, all ? tables : [.. tables.Where(t => named.Contains(t.Relation.RelationId))], cancellationToken);
            }
            await Task.WhenAny(tick, received);
            cancellationToken.ThrowIfCancellationRequested();
            all = false;
            if (received.IsCompleted)
            {
                received = _received.Reader.WaitToReadAsync(cancellationToken).AsTask();
            }
            if (tick.IsCompleted)
            {
                tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
                all = true;
            }
        }
    }

    /// <summary>Compares the table's columns now with those seen before, and asks for a rebuild when rows got values the
    /// stream did not carry.</summary>
    /// <param name="connection">For the reads a change needs.</param>
    /// <param name="table">The table.</param>
    /// <param name="previous">Its columns last compared.</param>
    /// <param name="current">Its columns now.</param>
    /// <param name="files">Its files now, read after <paramref name="current"/>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    private async Task CompareColumnsAsync(NpgsqlConnection connection, SourceTable table, RelationInfo previous, RelationInfo current,
        Dictionary<uint, uint> files, CancellationToken cancellationToken)
    {
        var name = table.Relation.QualifiedName;
        // A partition attached or detached meanwhile is the partition check's; a file changed under one kept is a rewrite.
        var rewritten = _files.TryGetValue(name, out var earlier) && files.Any(f => earlier.TryGetValue(f.Key, out var was) && was != f.Value);
        _files[name] = files;
        if (RelationDiff.Compare(previous, current) is { IsEmpty: false } diff)
        {
            var reasons = new List<string>();
            foreach (var (before, after) in diff.Retyped)
            {
                reasons.Add($"column {after.Name} changed type from {await TypeNameAsync(connection, before, cancellationToken)} to " +
                    $"{await TypeNameAsync(connection, after, cancellationToken)}, and ALTER COLUMN … TYPE rewrites the rows without publishing them");
            }
            var filled = await FilledColumnsAsync(connection, table.Relation.RelationId, diff.Added, cancellationToken);
            foreach (var column in filled)
            {
                reasons.Add($"column {column} was added with a value for every existing row (a default), which PostgreSQL does not publish");
            }
            // Without a file change an added column's values came in rows the stream carries; with one, a rewrite
            // (VACUUM FULL and CLUSTER keep values, so they alone never count) may have changed them after that.
            var unfilled = diff.Added.Where(c => !filled.Contains(c.Name)).Select(c => c.Name).ToList();
            var rewrittenAfterAdd = rewritten && unfilled.Count > 0;
            if (rewrittenAfterAdd)
            {
                reasons.Add($"the table's rows were rewritten after column {string.Join(", ", unfilled)} was added (e.g. ALTER COLUMN … TYPE), " +
                    "and a rewrite is not published");
            }
            if (reasons.Count > 0)
            {
                Rebuild(name, string.Join("; ", reasons), retyped: diff.Retyped.Count > 0 || rewrittenAfterAdd);
            }
        }
        _relations[name] = current;
    }

    /// <summary>Checks that every configured table is still logged, and compares each one's columns and each partitioned
    /// table's leaf partitions with those seen before.</summary>
    private async Task CheckCatalogAsync(NpgsqlDataSource source, IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        // Three reads for every table at once; a table's own reads follow only when something changed.
        var kinds = await KindsAsync(connection, tables, cancellationToken);
        // The first time, the columns as the run found them at start are what the stream and the backfills follow.
        var previous = tables.Select(t => _relations.GetValueOrDefault(t.Relation.QualifiedName) ?? t.Relation).ToList();
        var current = await TableColumns.CurrentAsync(connection, tables, previous, cancellationToken);
        var files = await FilesAsync(connection, tables, cancellationToken);
        for (var i = 0; i < tables.Count; i++)
        {
            var table = tables[i];
            var name = table.Relation.QualifiedName;
            if (kinds.TryGetValue(table.Relation.RelationId, out var kind) && Publishability.Refusal(name, kind.Kind, kind.Persistence, system: false) is { } refusal)
            {
                throw new ConfigurationException(refusal);
            }
            await CompareColumnsAsync(connection, table, previous[i], current[i], files[i], cancellationToken);
            if (!table.IsPartitioned)
            {
                continue;
            }
            Publication.ThrowIfAny(await Publishability.UnpublishedPartitionsAsync(connection, table.Relation.RelationId, name, cancellationToken));
            await ComparePartitionsAsync(connection, table, cancellationToken);
        }
    }

    /// <summary>Compares a partitioned table's leaf partitions with those seen before, and asks for a rebuild when one came
    /// with rows or went with rows.</summary>
    private async Task ComparePartitionsAsync(NpgsqlConnection connection, SourceTable table, CancellationToken cancellationToken)
    {
        var name = table.Relation.QualifiedName;
        var now = await LeafPartitionsAsync(connection, table.Relation.RelationId, cancellationToken);
        if (_partitions.TryGetValue(name, out var before))
        {
            var reasons = new List<string>();
            var empty = new List<(string Partition, string Change)>();
            foreach (var (oid, partition) in now.Where(p => !before.ContainsKey(p.Key)))
            {
                if (await HasRowsFromBeforeAsync(connection, oid, partition, cancellationToken))
                {
                    reasons.Add($"partition {partition} was attached with rows in it, and ATTACH PARTITION does not publish them");
                }
                else
                {
                    empty.Add((partition, "attached"));
                }
            }
            foreach (var (oid, partition) in before.Where(p => !now.ContainsKey(p.Key)))
            {
                var hasRows = await HasRowsAsync(connection, oid, cancellationToken);
                if (hasRows == false)
                {
                    empty.Add((partition, "detached"));
                }
                else
                {
                    reasons.Add($"partition {partition} was {(hasRows is null ? "dropped" : "detached")}, which publishes no deletes, so its rows' documents must go");
                }
            }
            if (reasons.Count > 0)
            {
                Rebuild(name, string.Join("; ", reasons), retyped: false);
            }
            foreach (var (partition, change) in empty)
            {
                ReplicationLog.EmptyPartition(_logger, name, partition, change);
            }
        }
        _partitions[name] = now;
    }

    private void Rebuild(string table, string reason, bool retyped)
    {
        _rebuild(table, reason, retyped);
        ReplicationLog.SilentChange(_logger, table, reason);
    }

    /// <summary>Each table's <c>relkind</c> and <c>relpersistence</c> now, by OID; a table gone is missing.</summary>
    private static async Task<Dictionary<uint, (char Kind, char Persistence)>> KindsAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables,
        CancellationToken cancellationToken)
    {
        var kinds = new Dictionary<uint, (char, char)>();
        await using var command = new NpgsqlCommand("SELECT oid, relkind, relpersistence FROM pg_class WHERE oid = ANY($1)", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, tables.Select(t => t.Relation.RelationId).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            kinds[reader.GetFieldValue<uint>(0)] = (reader.GetChar(1), reader.GetChar(2));
        }
        return kinds;
    }

    /// <summary>The leaf partitions of <paramref name="root"/> now (OID → quoted name), however deep.</summary>
    private static async Task<Dictionary<uint, string>> LeafPartitionsAsync(NpgsqlConnection connection, uint root, CancellationToken cancellationToken)
    {
        var leaves = new Dictionary<uint, string>();
        await using var command = new NpgsqlCommand(
            "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_partition_tree($1::oid::regclass) t " +
            "JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.isleaf", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, root);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            leaves[reader.GetFieldValue<uint>(0)] = reader.GetString(1);
        }
        return leaves;
    }

    /// <summary>Whether the partition <paramref name="oid"/> holds rows written before it became a partition, which the stream
    /// never sent: rows older than its <c>pg_class</c> row, which ATTACH PARTITION (or CREATE TABLE … PARTITION OF)
    /// wrote, including rows written earlier in the same transaction (an earlier command id: logical decoding reads each
    /// change with the catalog as of its command, when the table was no partition yet). Rows written since came through
    /// the stream. When the role may not read the partition directly, any row counts.</summary>
    /// <remarks>A later change of the partition's <c>pg_class</c> row only makes more rows count: a rebuild too many, never
    /// one too few.</remarks>
    private static async Task<bool> HasRowsFromBeforeAsync(NpgsqlConnection connection, uint oid, string partition, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT EXISTS (SELECT 1 FROM ONLY {partition} p, (SELECT xmin, cmin FROM pg_class WHERE oid = $1) c WHERE age(p.xmin) > age(c.xmin) " +
            "OR (p.xmin = c.xmin AND p.cmin::text::bigint < c.cmin::text::bigint))", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedTable)
        {
            return await HasRowsAsync(connection, oid, cancellationToken) != false;
        }
    }

    /// <summary>Whether the table <paramref name="oid"/> may hold rows (its main fork is not empty), without reading it
    /// (the role may not SELECT a partition directly); null when it no longer exists.</summary>
    private static async Task<bool?> HasRowsAsync(NpgsqlConnection connection, uint oid, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_relation_size(oid) > 0 FROM pg_class WHERE oid = $1", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
        return await command.ExecuteScalarAsync(cancellationToken) is bool hasRows ? hasRows : null;
    }

    /// <summary>For each of <paramref name="tables"/>, in order, the file node of each table that holds its rows, by OID:
    /// the table itself, or each leaf partition (<c>pg_partition_tree</c> lists none for a plain table); empty when it is
    /// gone.</summary>
    private static async Task<List<Dictionary<uint, uint>>> FilesAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables,
        CancellationToken cancellationToken)
    {
        var oids = tables.Select(t => t.Relation.RelationId).ToArray();
        var byTable = oids.Distinct().ToDictionary(o => o, _ => new Dictionary<uint, uint>());
        await using var command = new NpgsqlCommand(
            "SELECT t.oid, c.oid, pg_relation_filenode(c.oid) FROM unnest($1::oid[]) AS t(oid) JOIN pg_class c ON c.oid = t.oid AND c.relkind = 'r' " +
            "UNION SELECT t.oid, p.relid::oid, pg_relation_filenode(p.relid) FROM unnest($1::oid[]) AS t(oid) " +
            "CROSS JOIN LATERAL pg_partition_tree(t.oid::regclass) p WHERE p.isleaf AND pg_relation_filenode(p.relid) IS NOT NULL", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, oids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            byTable[reader.GetFieldValue<uint>(0)][reader.GetFieldValue<uint>(1)] = reader.GetFieldValue<uint>(2);
        }
        return [.. oids.Select(o => byTable[o])];
    }

    /// <summary>The columns of <paramref name="added"/> that give existing rows a value: a default (kept in the catalog, or
    /// written by a rewrite), an identity or a generated column.</summary>
    private static async Task<List<string>> FilledColumnsAsync(NpgsqlConnection connection, uint table, IReadOnlyList<ColumnInfo> added, CancellationToken cancellationToken)
    {
        var filled = new List<string>();
        if (added.Count == 0)
        {
            return filled;
        }
        await using var command = new NpgsqlCommand(
            "SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attname = ANY($2) AND NOT attisdropped " +
            "AND (atthasmissing OR atthasdef OR attidentity <> '' OR attgenerated <> '') ORDER BY attnum", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, table);
        command.Parameters.AddWithValue(added.Select(c => c.Name).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            filled.Add(reader.GetString(0));
        }
        return filled;
    }

    private static async Task<string> TypeNameAsync(NpgsqlConnection connection, ColumnInfo column, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT format_type($1, $2)", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, column.TypeOid);
        command.Parameters.AddWithValue(column.TypeModifier);
        return (string?)await command.ExecuteScalarAsync(cancellationToken) ?? $"type {column.TypeOid}";
    }
}

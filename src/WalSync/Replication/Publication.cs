using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// The publication WalSync streams: created for the configured tables (with <see cref="TableOptions.Where"/> as row
/// filters) when it does not exist, else checked against them. Either way every table comes back with what the stream
/// really sends of it, the row filter and the column list, so that every read of the table copies no more and no less.
/// </summary>
/// <remarks>Row filters and column lists exist from PostgreSQL 15
/// (https://www.postgresql.org/docs/15/logical-replication-row-filter.html, …-col-lists.html); filters are
/// evaluated on the decoded rows, and an UPDATE that leaves the filter is published as a DELETE, one that enters it as
/// an INSERT.</remarks>
internal sealed class Publication
{
    /// <summary>The first PostgreSQL version with row filters and column lists.</summary>
    internal const int RowFiltersVersion = 15;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _name;
    private readonly ILogger _logger;

    /// <summary>Creates the accessor for the publication <paramref name="name"/>.</summary>
    public Publication(NpgsqlDataSource dataSource, string name, ILogger logger)
    {
        _dataSource = dataSource;
        _name = name;
        _logger = logger;
    }

    private string QuotedName => SourceTable.QuoteIdentifier(_name);

    /// <summary>Creates the publication for <paramref name="tables"/>, or checks that the existing one covers them.</summary>
    /// <returns>The tables with the row filter and the columns the publication publishes.</returns>
    /// <exception cref="ConfigurationException">A <c>Where</c> is invalid, needs a newer server or would break the table's
    /// updates; the existing publication misses a table or an operation, or conflicts with <c>Where</c> or <c>Columns</c>.</exception>
    public async Task<IReadOnlyList<SourceTable>> EnsureAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await CheckWhereAsync(connection, tables, cancellationToken);
        return (await EnsureAsync(connection, tables, trial: null, cancellationToken)).Tables;
    }

    /// <summary>Checks what <see cref="EnsureAsync(IReadOnlyList{SourceTable}, CancellationToken)"/> would do without
    /// changing anything: a missing publication is created, missing tables are added, in a transaction that is rolled
    /// back, which proves the role's rights and the row filters, and shows the publication as the start will leave it.</summary>
    /// <exception cref="ConfigurationException">As for <see cref="EnsureAsync(IReadOnlyList{SourceTable}, CancellationToken)"/>.</exception>
    public async Task<PublicationCheck> CheckAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await CheckWhereAsync(connection, tables, cancellationToken);
        var exists = await ExistsAsync(connection, cancellationToken);
        await using var trial = await connection.BeginTransactionAsync(cancellationToken);
        var (published, added) = await EnsureAsync(connection, tables, trial, cancellationToken);
        var values = await BinaryTypes.ReadAsync(connection, _name, cancellationToken);
        await trial.RollbackAsync(cancellationToken);
        var covers = $"publication '{_name}' covers {string.Join(", ", tables.Select(t => t.Relation.QualifiedName))}";
        var message = !exists ? $"publication '{_name}' does not exist yet; the role may create it, and walsync run will"
            : added.Count > 0 ? $"{covers} once walsync run adds {string.Join(", ", added)} to it (the role may)"
            : covers;
        return new PublicationCheck(message, published, values);
    }

    /// <summary>Creates or checks the publication, inside <paramref name="trial"/> when it is a check (the caller rolls it
    /// back). Returns the tables as published and the tables added to the publication.</summary>
    private async Task<(IReadOnlyList<SourceTable> Tables, IReadOnlyList<string> Added)> EnsureAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables,
        NpgsqlTransaction? trial, CancellationToken cancellationToken)
    {
        bool dml, viaRoot;
        await using (var command = new NpgsqlCommand("SELECT pubinsert AND pubupdate AND pubdelete, pubviaroot FROM pg_publication WHERE pubname = $1", connection))
        {
            command.Parameters.AddWithValue(_name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                await reader.DisposeAsync();
                await CreateAsync(connection, tables, trial, cancellationToken);
                return (tables.Select(t => t with { RowFilter = t.Options.Where }).ToList(), []);
            }
            dml = reader.GetBoolean(0);
            viaRoot = reader.GetBoolean(1);
        }
        if (!dml)
        {
            throw new ConfigurationException($"The publication '{_name}' does not publish every insert, update and delete. " +
                $"Run ALTER PUBLICATION {QuotedName} SET (publish = 'insert, update, delete, truncate');");
        }
        if (!viaRoot && tables.Any(t => t.IsPartitioned))
        {
            throw new ConfigurationException($"The publication '{_name}' publishes partitions as separate tables. Run " +
                $"ALTER PUBLICATION {QuotedName} SET (publish_via_partition_root = true);");
        }
        var added = await AddMissingTablesAsync(connection, trial, tables, cancellationToken);
        var published = await new PublishedTables(_name, _logger).HonourAsync(connection, tables, cancellationToken);
        return (published, added);
    }

    /// <summary>Gives <paramref name="tables"/> the row filters and column lists of the publication, without creating or
    /// changing anything (for commands that only read, such as <c>dead-letters retry</c>).</summary>
    /// <exception cref="ConfigurationException">As for <see cref="EnsureAsync(IReadOnlyList{SourceTable}, CancellationToken)"/>, except that a missing publication is no error.</exception>
    public async Task<IReadOnlyList<SourceTable>> ApplyAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await CheckWhereAsync(connection, tables, cancellationToken);
        if (!await ExistsAsync(connection, cancellationToken))
        {
            return tables.Select(t => t with { RowFilter = t.Options.Where }).ToList();
        }
        return await new PublishedTables(_name, _logger).HonourAsync(connection, tables, cancellationToken);
    }

    private async Task<bool> ExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM pg_publication WHERE pubname = $1", connection);
        command.Parameters.AddWithValue(_name);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Adds configured tables the publication lacks (a table added to <c>Tables</c> later). Where the role may not,
    /// nothing changes and <see cref="PublishedTables"/> says which statement to run. Inside <paramref name="trial"/> (a
    /// check, rolled back by its caller) each statement gets a savepoint, so a refused one leaves the others usable.</summary>
    /// <returns>The tables added.</returns>
    private async Task<IReadOnlyList<string>> AddMissingTablesAsync(NpgsqlConnection connection, NpgsqlTransaction? trial, IReadOnlyList<SourceTable> tables,
        CancellationToken cancellationToken)
    {
        var added = new List<string>();
        var published = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1", connection))
        {
            command.Parameters.AddWithValue(_name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                published.Add(reader.GetString(0));
            }
        }
        foreach (var table in tables.Where(t => !published.Contains(t.Relation.QualifiedName)))
        {
            var add = $"ALTER PUBLICATION {QuotedName} ADD TABLE {table.SqlName}" + (table.Options.Where is { } where ? $" WHERE ({where})" : "");
            if (trial is not null)
            {
                await trial.SaveAsync("add_table", cancellationToken);
            }
            try
            {
                await using var command = new NpgsqlCommand(add, connection, trial);
                await command.ExecuteNonQueryAsync(cancellationToken);
                added.Add(table.Relation.QualifiedName);
                if (trial is null)
                {
                    ReplicationLog.PublicationTableAdded(_logger, _name, table.SqlName);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // Not the owner: the check that follows names the statement to run.
                if (trial is not null)
                {
                    await trial.RollbackAsync("add_table", cancellationToken);
                }
            }
        }
        return added;
    }

    /// <summary>Checks every <c>Where</c> on the server: it needs row filters (15+) and must be one valid boolean
    /// expression over the table's columns.</summary>
    private static async Task CheckWhereAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var table in tables.Where(t => t.Options.Where is not null))
        {
            if (connection.PostgreSqlVersion.Major < RowFiltersVersion)
            {
                problems.Add($"Where of {table.Relation.QualifiedName} needs PostgreSQL {RowFiltersVersion} or later (publication row filters); " +
                    $"this server is {connection.PostgreSqlVersion}. Remove Where, or upgrade the server.");
                continue;
            }
            try
            {
                await ExplainAsync(connection, table, table.Options.Where!, cancellationToken);
            }
            catch (PostgresException e)
            {
                problems.Add($"Where of {table.Relation.QualifiedName} ({table.Options.Where}) is not a valid condition on the table: {e.MessageText}. " +
                    "Write one SQL boolean expression over its columns, e.g. \"published AND tenant_id = 7\".");
            }
        }
        ThrowIfAny(problems);
    }

    /// <summary>The plan of a read of <paramref name="table"/> under <paramref name="filter"/>: equal plans mean equal filters.</summary>
    /// <remarks>The parameter makes the statement a prepared one, which PostgreSQL refuses to split into several commands.</remarks>
    internal static async Task<string> ExplainAsync(NpgsqlConnection connection, SourceTable table, string filter, CancellationToken cancellationToken)
    {
        var from = table.IsPartitioned ? table.SqlName : "ONLY " + table.SqlName;
        await using var command = new NpgsqlCommand($"EXPLAIN (COSTS OFF) SELECT $1::int FROM {from} WHERE ({filter})", connection);
        command.Parameters.AddWithValue(1);
        var plan = new System.Text.StringBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            plan.AppendLine(reader.GetString(0));
        }
        return plan.ToString();
    }

    /// <summary>Creates the publication with the configured row filters, in a transaction that is rolled back when a filter
    /// uses a column outside the replica identity (PostgreSQL would then refuse every UPDATE and DELETE on the table), or
    /// in <paramref name="trial"/>, a check's, which its caller rolls back.</summary>
    private async Task CreateAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables, NpgsqlTransaction? trial, CancellationToken cancellationToken)
    {
        var list = TableList(tables);
        var create = CreateStatement(connection, list);
        await using var own = trial is null ? await connection.BeginTransactionAsync(cancellationToken) : null;
        var transaction = trial ?? own!;
        try
        {
            await using var command = new NpgsqlCommand(create, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new ConfigurationException($"The role '{connection.UserName}' may not create the publication '{_name}' ({e.MessageText}). " +
                $"Have the tables' owner run: {create};", e);
        }
        catch (PostgresException e) when (tables.Any(t => t.Options.Where is not null))
        {
            throw new ConfigurationException($"PostgreSQL refused the publication's row filters ({e.MessageText}). A Where may use only " +
                "the table's columns, constants, and built-in immutable operators and functions.", e);
        }
        ThrowIfAny(await UncoveredFilterColumnsAsync(connection, transaction, tables, cancellationToken));
        if (own is null)
        {
            return;
        }
        await own.CommitAsync(cancellationToken);
        ReplicationLog.PublicationCreated(_logger, _name, list);
    }

    private static string TableList(IReadOnlyList<SourceTable> tables) =>
        string.Join(", ", tables.Select(t => t.Options.Where is { } where ? $"{t.SqlName} WHERE ({where})" : t.SqlName));

    private string CreateStatement(NpgsqlConnection connection, string tableList)
    {
        // From PostgreSQL 18 stored generated columns can be published, and then they are in documents like any column.
        var generated = connection.PostgreSqlVersion.Major >= GeneratedColumns.PublishedFromVersion ? ", publish_generated_columns = stored" : "";
        return $"CREATE PUBLICATION {QuotedName} FOR TABLE {tableList} WITH (publish_via_partition_root = true{generated})";
    }

    /// <summary>One problem per table whose row filter uses columns that its replica identity does not carry.</summary>
    private async Task<List<string>> UncoveredFilterColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        // The filter's columns are the Var nodes of its stored expression tree (pg_publication_rel.prqual).
        var used = new List<(uint Table, string Column)>();
        await using (var command = new NpgsqlCommand(
            "SELECT DISTINCT pr.prrelid, a.attname FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid " +
            @"CROSS JOIN LATERAL regexp_matches(pr.prqual::text, '\{VAR :varno 1 :varattno (\d+)', 'g') AS m(attnum) " +
            "JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = m.attnum[1]::int WHERE p.pubname = $1", connection, transaction))
        {
            command.Parameters.AddWithValue(_name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                used.Add((reader.GetFieldValue<uint>(0), reader.GetString(1)));
            }
        }
        var problems = new List<string>();
        foreach (var table in tables.Where(t => !t.Relation.HasFullReplicaIdentity))
        {
            var outside = used.Where(u => u.Table == table.Relation.RelationId && !table.KeyColumns.Contains(u.Column)).Select(u => u.Column).ToList();
            if (outside.Count > 0)
            {
                problems.Add($"Where of {table.Relation.QualifiedName} uses {string.Join(", ", outside)}, which {(outside.Count == 1 ? "is" : "are")} not in its " +
                    $"replica identity ({string.Join(", ", table.KeyColumns)}), and PostgreSQL would then refuse every UPDATE and DELETE on the table. " +
                    $"Run ALTER TABLE {table.SqlName} REPLICA IDENTITY FULL; (updates and deletes then log the whole old row), or filter on key columns only.");
            }
        }
        return problems;
    }

    internal static void ThrowIfAny(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new ConfigurationException(Combine(problems));
        }
    }

    /// <summary>One message for one or more problems.</summary>
    internal static string Combine(List<string> problems) => problems.Count == 1 ? problems[0]
        : "Fix these before WalSync can start:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}"));
}

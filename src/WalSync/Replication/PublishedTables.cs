using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// What an existing publication publishes of each configured table: its column list restricts the columns WalSync
/// reads, its row filter becomes the table's <see cref="SourceTable.RowFilter"/>; where the configuration asks for
/// something else (<c>Where</c>, <c>Columns</c>), WalSync refuses with the statements that reconcile the two.
/// </summary>
/// <remarks><c>pg_publication_tables.attnames</c> and <c>.rowfilter</c>, PostgreSQL 15+
/// (https://www.postgresql.org/docs/15/view-pg-publication-tables.html).</remarks>
internal sealed class PublishedTables
{
    private readonly string _name;
    private readonly ILogger _logger;

    /// <summary>Creates the reader of the publication <paramref name="name"/>.</summary>
    public PublishedTables(string name, ILogger logger)
    {
        _name = name;
        _logger = logger;
    }

    private string QuotedName => SourceTable.QuoteIdentifier(_name);

    /// <summary>Reads what the existing publication sends of each table and takes it over, refusing where it conflicts
    /// with the configuration.</summary>
    public async Task<IReadOnlyList<SourceTable>> HonourAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        var published = new Dictionary<string, (string[]? Columns, string? Filter)>(StringComparer.Ordinal);
        var sql = connection.PostgreSqlVersion.Major >= Publication.RowFiltersVersion
            ? "SELECT schemaname || '.' || tablename, attnames::text[], rowfilter FROM pg_publication_tables WHERE pubname = $1"
            : "SELECT schemaname || '.' || tablename, NULL::text[], NULL::text FROM pg_publication_tables WHERE pubname = $1";
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            command.Parameters.AddWithValue(_name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                published[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        var missing = tables.Where(t => !published.ContainsKey(t.Relation.QualifiedName)).Select(t => t.SqlName).ToList();
        if (missing.Count > 0)
        {
            throw new ConfigurationException($"The publication '{_name}' does not include {string.Join(", ", missing)}. Run " +
                $"ALTER PUBLICATION {QuotedName} ADD TABLE {string.Join(", ", missing)}; " +
                "(or set Postgres:Publication to a publication that covers every configured table).");
        }
        var problems = new List<string>();
        var result = new List<SourceTable>(tables.Count);
        foreach (var table in tables)
        {
            var (columns, filter) = published[table.Relation.QualifiedName];
            var honoured = WithColumnList(table, columns, problems);
            result.Add(honoured with { RowFilter = await RowFilterAsync(connection, honoured, filter, problems, cancellationToken) });
        }
        Publication.ThrowIfAny(problems);
        return result;
    }

    private SourceTable WithColumnList(SourceTable table, string[]? columns, List<string> problems)
    {
        if (columns is null || table.Relation.Columns.All(c => columns.Contains(c.Name)))
        {
            return table;
        }
        var name = table.Relation.QualifiedName;
        var keys = table.KeyColumns.Where(k => !columns.Contains(k)).ToList();
        var wanted = (table.Options.Columns ?? []).Where(c => !columns.Contains(c)).ToList();
        var fix = $"Add them to the publication's column list, or publish every column: ALTER PUBLICATION {QuotedName} DROP TABLE {table.SqlName}; " +
            $"ALTER PUBLICATION {QuotedName} ADD TABLE {table.SqlName};";
        if (keys.Count > 0)
        {
            problems.Add($"The publication '{_name}' publishes only ({string.Join(", ", columns)}) of {name}, without its key column(s) " +
                $"{string.Join(", ", keys)}, which make the document id. {fix}");
        }
        else if (wanted.Count > 0)
        {
            problems.Add($"Columns of {name} names {string.Join(", ", wanted)}, which the publication '{_name}' does not publish " +
                $"(its column list is {string.Join(", ", columns)}). {fix} Or remove them from Columns.");
        }
        else
        {
            ReplicationLog.PublicationColumnList(_logger, _name, name, columns.Length, table.Relation.Columns.Count);
        }
        return table with
        {
            Relation = table.Relation with { Columns = table.Relation.Columns.Where(c => columns.Contains(c.Name)).ToList() },
            PublishedColumns = columns,
        };
    }

    private async Task<string?> RowFilterAsync(NpgsqlConnection connection, SourceTable table, string? filter, List<string> problems, CancellationToken cancellationToken)
    {
        var where = table.Options.Where;
        var name = table.Relation.QualifiedName;
        if (where is null)
        {
            if (filter is not null)
            {
                ReplicationLog.PublicationRowFilter(_logger, _name, name, filter);
            }
            return filter;
        }
        if (filter is null)
        {
            problems.Add($"Where of {name} filters rows, but the existing publication '{_name}' publishes every row of it. Add the filter to the " +
                $"publication: BEGIN; ALTER PUBLICATION {QuotedName} DROP TABLE {table.SqlName}; ALTER PUBLICATION {QuotedName} ADD TABLE " +
                $"{table.SqlName} WHERE ({where}); COMMIT; then copy the table again with walsync run --resnapshot (documents of rows outside " +
                "the filter stay until then). Or remove Where.");
            return null;
        }
        if (await Publication.ExplainAsync(connection, table, where, cancellationToken) != await Publication.ExplainAsync(connection, table, filter, cancellationToken))
        {
            problems.Add($"Where of {name} is ({where}), but the existing publication '{_name}' filters it with {filter}, and the stream sends what " +
                $"the publication says. Make them the same: set Where to {filter}, remove Where to take the publication's filter, or change the " +
                $"publication (BEGIN; ALTER PUBLICATION {QuotedName} DROP TABLE {table.SqlName}; ALTER PUBLICATION {QuotedName} ADD TABLE " +
                $"{table.SqlName} WHERE ({where}); COMMIT;) and copy again with walsync run --resnapshot.");
            return null;
        }
        return filter;
    }
}

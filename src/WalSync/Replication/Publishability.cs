using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Which relations PostgreSQL can publish: only permanent ordinary and partitioned tables outside the system schemas.
/// A configured relation that is anything else is refused at start with its fix, instead of failing later when the
/// publication is created ("cannot add relation … to publication"); a partition that is unlogged or foreign is refused
/// too, because its rows would never reach the stream while those of its siblings do.
/// </summary>
/// <remarks>PostgreSQL's rule: <c>pg_publication.c check_publication_add_relation</c> and <c>is_publishable_class</c>;
/// https://www.postgresql.org/docs/15/logical-replication-restrictions.html. An unlogged table writes no WAL, so there
/// is nothing to decode; a partition of a published table is not checked when it is created or attached.</remarks>
internal static class Publishability
{
    /// <summary>Why the relation <paramref name="name"/> cannot be published, with the fix, or null when it can.</summary>
    /// <param name="name">The relation as configured (schema.table).</param>
    /// <param name="kind"><c>pg_class.relkind</c>.</param>
    /// <param name="persistence"><c>pg_class.relpersistence</c>: <c>p</c> permanent, <c>u</c> unlogged, <c>t</c> temporary.</param>
    /// <param name="system">True in <c>pg_catalog</c> or <c>information_schema</c>.</param>
    public static string? Refusal(string name, char kind, char persistence, bool system)
    {
        var what = kind switch
        {
            'r' or 'p' => null,
            'v' => "a view",
            'm' => "a materialized view",
            'f' => "a foreign table",
            'i' or 'I' => "an index",
            'S' => "a sequence",
            _ => "not a table",
        };
        if (what is not null)
        {
            return $"Tables: {name} is {what}, and PostgreSQL publishes only tables (cannot add relation to publication). " +
                (kind == 'f'
                    ? "Its rows live on another server: run WalSync against that server's table, or remove it from Tables."
                    : "Configure the table it reads from instead, or remove it from Tables.");
        }
        if (system)
        {
            return $"Tables: {name} is a system catalog, which PostgreSQL does not publish. Remove it from Tables.";
        }
        return persistence switch
        {
            'u' => $"Tables: {name} is UNLOGGED: its changes are not written to the WAL, so PostgreSQL cannot publish it " +
                $"(cannot add relation to publication). Make it logged with ALTER TABLE {name} SET LOGGED; (this rewrites the " +
                "table and logs it from then on), or remove it from Tables.",
            't' => $"Tables: {name} is a temporary table, which exists only in its own session and cannot be published. " +
                "Sync a permanent table instead, or remove it from Tables.",
            _ => null,
        };
    }

    /// <summary>One problem per leaf partition of the partitioned table <paramref name="root"/> whose rows are never
    /// published (unlogged or foreign), each with its fix.</summary>
    public static async Task<List<string>> UnpublishedPartitionsAsync(NpgsqlConnection connection, uint root, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var problems = new List<string>();
        await using var command = new NpgsqlCommand(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind = 'f' " +
            "FROM pg_partition_tree($1::oid::regclass) t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE t.isleaf AND (c.relpersistence <> 'p' OR c.relkind = 'f') ORDER BY 1", connection);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, root);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var partition = reader.GetString(0);
            problems.Add(reader.GetBoolean(1)
                ? $"The partition {partition} of {name} is a foreign table: its rows are on another server and never in this " +
                    $"database's stream, so they would never become documents. Detach it (ALTER TABLE {name} DETACH PARTITION {partition};) " +
                    "or remove the table from Tables."
                : $"The partition {partition} of {name} is UNLOGGED: PostgreSQL publishes the other partitions but never its rows, " +
                    $"so they would never become documents. Make it logged with ALTER TABLE {partition} SET LOGGED;");
        }
        return problems;
    }
}

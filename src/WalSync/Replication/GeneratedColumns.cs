using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Generated columns and the stream: pgoutput publishes none before PostgreSQL 18; from 18 on it publishes STORED ones
/// when the publication says <c>publish_generated_columns = stored</c> (which WalSync sets when it creates the
/// publication) or names them in its column list, and VIRTUAL ones never. Documents hold only what the stream and the
/// backfills read, so the columns left out are named at start instead of missing without a word, unless the table reads
/// them back (<c>Tables[].ReadBackGeneratedColumns</c>).
/// </summary>
/// <remarks>https://www.postgresql.org/docs/18/sql-createpublication.html (<c>publish_generated_columns</c>),
/// https://www.postgresql.org/docs/18/ddl-generated-columns.html; before 18, <c>pgoutput.c</c> skips every column with
/// <c>attgenerated</c> set.</remarks>
internal static class GeneratedColumns
{
    /// <summary>The first PostgreSQL version whose pgoutput can publish (stored) generated columns.</summary>
    public const int PublishedFromVersion = 18;

    /// <summary>The SQL condition on <c>pg_attribute</c> (alias <c>a</c>) for the columns a read of the table takes:
    /// ordinary ones, and stored generated ones where the server can publish them (the publication's column list then
    /// says whether it does).</summary>
    public static string ReadCondition(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.PostgreSqlVersion.Major >= PublishedFromVersion ? "a.attgenerated IN ('', 's')" : "a.attgenerated = ''";
    }

    /// <summary>The generated columns of <paramref name="table"/> that its documents should hold (the configuration does
    /// not leave them out) but the stream does not carry, in column order.</summary>
    /// <param name="table">The table as the publication publishes it.</param>
    public static IReadOnlyList<GeneratedColumn> Unpublished(SourceTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return [.. table.GeneratedColumns.Where(c => (table.Options.Columns is not { Count: > 0 } only || only.Contains(c.Name))
            && table.Options.ExcludeColumns?.Contains(c.Name) != true && table.Relation.IndexOf(c.Name) < 0)];
    }

    /// <summary>One sentence naming the generated columns of <paramref name="table"/> that its documents lack, why, and
    /// what would bring them; null when there are none (or the configuration leaves them out, or reads them back).</summary>
    /// <param name="table">The table as the publication publishes it.</param>
    /// <param name="publication">The publication's name, for the statement that publishes stored columns.</param>
    /// <param name="version">The server's version (<c>NpgsqlConnection.PostgreSqlVersion</c>).</param>
    public static string? Missing(SourceTable table, string publication, Version version)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(version);
        if (table.Options.ReadBackGeneratedColumns)
        {
            return null;
        }
        var unpublished = Unpublished(table);
        var stored = unpublished.Where(c => c.Stored).Select(c => c.Name).ToList();
        var virtuals = unpublished.Where(c => !c.Stored).Select(c => c.Name).ToList();
        if (stored.Count + virtuals.Count == 0)
        {
            return null;
        }
        var all = string.Join(", ", stored.Concat(virtuals));
        var leaveOut = $"Set Tables[]:ReadBackGeneratedColumns of {table.Relation.QualifiedName} to true to read them back by key at each flush, " +
            "or list them in Tables[]:ExcludeColumns to say they are left out on purpose.";
        if (version.Major < PublishedFromVersion)
        {
            return $"the generated column(s) {all} are not in its documents: PostgreSQL publishes generated columns to logical replication " +
                $"only from version {PublishedFromVersion} on (this server is {version.Major}.{version.Minor}), so neither the stream nor the " +
                $"backfills carry them. Upgrade to PostgreSQL {PublishedFromVersion}, or compute them where the documents are read. {leaveOut}";
        }
        var parts = new List<string>();
        if (stored.Count > 0)
        {
            parts.Add($"the stored generated column(s) {string.Join(", ", stored)} are not published, so they are not in its documents. Publish them with " +
                $"ALTER PUBLICATION {SourceTable.QuoteIdentifier(publication)} SET (publish_generated_columns = stored); (or name them in the " +
                $"publication's column list), then rebuild the collection with walsync run --reindex {table.Relation.QualifiedName}");
        }
        if (virtuals.Count > 0)
        {
            parts.Add($"the virtual generated column(s) {string.Join(", ", virtuals)} are not in its documents: PostgreSQL never publishes virtual " +
                "generated columns. Make them STORED to have them published, or read them back");
        }
        return string.Join("; ", parts) + ". " + leaveOut;
    }
}

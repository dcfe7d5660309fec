using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Pins the session settings that decide PostgreSQL's text output, so that values decode the same way whatever the
/// server, role or database defaults are.
/// </summary>
/// <remarks>pgoutput's text values come from the walsender session's output functions
/// (https://www.postgresql.org/docs/15/protocol-logical-replication.html); Npgsql sends only <c>Options</c> and
/// <c>Timezone</c> in the startup packet of a replication connection.</remarks>
internal static class SessionSettings
{
    /// <summary>The <c>-c</c> options every WalSync connection sends.</summary>
    public const string Options = "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex";

    /// <summary>Returns <paramref name="connectionString"/> with the pinned options and <c>Timezone=UTC</c> added; when it
    /// names several hosts and no <c>Target Session Attributes</c>, connections go to the primary among them.</summary>
    /// <param name="connectionString">The user's connection string.</param>
    /// <param name="applicationName">Shown in <c>pg_stat_activity</c> and <c>pg_stat_replication</c>.</param>
    public static string Apply(string connectionString, string applicationName)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timezone = "UTC",
            ApplicationName = applicationName,
        };
        if (builder.Host?.Contains(',', StringComparison.Ordinal) == true && string.IsNullOrEmpty(builder.TargetSessionAttributes))
        {
            // WalSync writes (publication, dead letters, slots): a standby cannot serve it.
            builder.TargetSessionAttributes = "primary";
        }
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? Options : $"{builder.Options} {Options}";
        return builder.ConnectionString;
    }
}

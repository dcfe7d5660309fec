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
        AddOptions(builder, Options);
        return builder.ConnectionString;
    }

    /// <summary>Returns <paramref name="connectionString"/> with <c>logical_decoding_work_mem</c> set to <paramref name="workMem"/>
    /// (<c>Postgres:LogicalDecodingWorkMem</c>, validated) in its start-up options; unchanged when it is null.</summary>
    public static string WithDecodingWorkMem(string connectionString, string? workMem)
    {
        if (workMem is null)
        {
            return connectionString;
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        AddOptions(builder, "-c logical_decoding_work_mem=" + string.Concat(workMem.Where(c => !char.IsWhiteSpace(c))));
        return builder.ConnectionString;
    }

    /// <summary>Bytes a connection of WalSync's reads from its socket at a time (Npgsql's default: 8 KiB), unless the
    /// connection string sets <c>Read Buffer Size</c>. While a large transaction streams in, each read of the replication
    /// connection takes the socket's lock that the WAL sender's writes into it also take: with 8 KiB reads, waiting for
    /// that lock was ~8 % of walsync's CPU (500,000 wide rows). A backfill's COPY made one <c>recv</c> system call per
    /// 8 KiB: with 128 KiB, walsync's CPU per backfilled row fell by about a seventh (benchmarks/README.md).</summary>
    public const int ReadBufferSize = 128 * 1024;

    /// <summary>Returns <paramref name="connectionString"/> with <see cref="ReadBufferSize"/> when it sets no read buffer
    /// size of its own.</summary>
    public static string WithReadBuffer(string connectionString)
    {
        // NpgsqlConnectionStringBuilder answers every keyword it knows as present: the keys as written tell.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (written.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("ReadBufferSize", StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { ReadBufferSize = SessionSettings.ReadBufferSize }.ConnectionString;
    }

    /// <summary>Appends <paramref name="options"/> to the start-up options the connection string already has.</summary>
    private static void AddOptions(NpgsqlConnectionStringBuilder builder, string options) =>
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? options : $"{builder.Options} {options}";

    /// <summary>A data source on <paramref name="connectionString"/> with the pinned settings. Its commands are traced only
    /// inside a WalSync span (a flush's read-backs and dead letters, a copy): polls, heartbeats and start-up checks would
    /// otherwise each be a trace of their own.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName)
    {
        var builder = new NpgsqlDataSourceBuilder(Apply(connectionString, applicationName));
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
            .ConfigureBatchFilter(_ => System.Diagnostics.Activity.Current is not null)
            .ConfigureCopyOperationFilter(_ => System.Diagnostics.Activity.Current is not null)
            .EnablePhysicalOpenTracing(false));
        return builder.Build();
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using WalSync.Cli.Http;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Typesense;

namespace WalSync.Cli.Inspection;

/// <summary>
/// Gathers <c>walsync status</c>: the slot, the publication and the tables from PostgreSQL, each collection's documents from
/// Typesense, the pending dead letters, and the daemon's own <c>/status</c> when it answers. Each source that does not
/// answer is reported with its error and the others are still read; nothing here writes.
/// </summary>
public sealed class StatusInspector
{
    /// <summary>How long Typesense and the daemon may take to answer (PostgreSQL: Npgsql's 15 s to connect).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly WalSyncOptions _options;
    private readonly StatusThresholds _thresholds;

    /// <summary>Creates the inspector of the WalSync configured by <paramref name="options"/>.</summary>
    public StatusInspector(WalSyncOptions options, StatusThresholds thresholds)
    {
        _options = options;
        _thresholds = thresholds;
    }

    /// <summary>Reads every source and decides what needs attention.</summary>
    /// <param name="exact">Count each table's rows with <c>count(*)</c> instead of PostgreSQL's estimate.</param>
    /// <param name="daemonUrl">The daemon's base URL; null for the first address of <c>Http:Urls</c>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<StatusReport> InspectAsync(bool exact, Uri? daemonUrl, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(_options.Postgres.ConnectionString) { Timeout = 15, CommandTimeout = 30 };
        var report = new StatusReport
        {
            Source = $"{connection.Host}:{connection.Port}/{connection.Database}",
            Slot = new SlotReport { Name = _options.Postgres.Slot },
            Publication = new PublicationReport { Name = _options.Postgres.Publication },
            ExactCounts = exact,
        };
        foreach (var table in _options.Tables)
        {
            report.Tables.Add(new TableReport { Table = $"{table.SchemaName}.{table.TableName}", Collection = table.CollectionName });
        }
        await using (var dataSource = NpgsqlDataSource.Create(connection.ConnectionString))
        {
            await ReadPostgresAsync(dataSource, report, exact, cancellationToken);
        }
        await ReadTypesenseAsync(report, cancellationToken);
        await ReadDaemonAsync(report, daemonUrl, cancellationToken);
        Judge(report);
        return report;
    }

    private async Task ReadPostgresAsync(NpgsqlDataSource dataSource, StatusReport report, bool exact, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            report.ServerWalLsn = (await ScalarAsync<NpgsqlLogSequenceNumber>(connection, "SELECT pg_current_wal_lsn()", cancellationToken)).ToString();
            await ReadSlotAsync(connection, report.Slot, cancellationToken);
            await using (var publication = new NpgsqlCommand(
                "SELECT p.pubname IS NOT NULL, t.schemaname || '.' || t.tablename FROM (SELECT 1) AS one " +
                "LEFT JOIN pg_publication p ON p.pubname = $1 LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname ORDER BY 2", connection))
            {
                publication.Parameters.AddWithValue(_options.Postgres.Publication);
                await using var reader = await publication.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    report.Publication.Exists = reader.GetBoolean(0);
                    if (!reader.IsDBNull(1))
                    {
                        report.Publication.Tables.Add(reader.GetString(1));
                    }
                }
            }
            foreach (var (table, options) in report.Tables.Zip(_options.Tables))
            {
                table.Rows = await CountRowsAsync(connection, options, exact, table, cancellationToken);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            report.PostgresError = e.Message;
            return;
        }
        try
        {
            report.DeadLettersPending = await DeadLetterStores.Create(_options.DeadLetter, dataSource).CountPendingAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            report.Attention.Add($"The dead-letter store could not be read: {e.Message}");
        }
    }

    private static async Task ReadSlotAsync(NpgsqlConnection connection, SlotReport slot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT active_pid, confirmed_flush_lsn, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, " +
            "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, st.spill_txns, st.spill_bytes, " +
            "st.stream_txns, st.stream_bytes " +
            "FROM pg_replication_slots s LEFT JOIN pg_stat_replication_slots st USING (slot_name) WHERE slot_name = $1", connection);
        command.Parameters.AddWithValue(slot.Name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return;
        }
        slot.Exists = true;
        slot.ActivePid = reader.IsDBNull(0) ? null : reader.GetInt32(0);
        slot.ConfirmedFlushLsn = reader.IsDBNull(1) ? null : reader.GetFieldValue<NpgsqlLogSequenceNumber>(1).ToString();
        slot.WalStatus = reader.IsDBNull(2) ? null : reader.GetString(2);
        slot.RetainedWalBytes = reader.IsDBNull(3) ? null : reader.GetInt64(3);
        slot.LagBytes = reader.IsDBNull(4) ? null : reader.GetInt64(4);
        slot.SpilledTransactions = reader.IsDBNull(5) ? null : reader.GetInt64(5);
        slot.SpilledBytes = reader.IsDBNull(6) ? null : reader.GetInt64(6);
        slot.StreamedTransactions = reader.IsDBNull(7) ? null : reader.GetInt64(7);
        slot.StreamedBytes = reader.IsDBNull(8) ? null : reader.GetInt64(8);
    }

    /// <summary>The table's rows: <c>count(*)</c> under its row filter, or the planner's estimate of the whole table.</summary>
    private static async Task<long?> CountRowsAsync(NpgsqlConnection connection, TableOptions options, bool exact, TableReport table, CancellationToken cancellationToken)
    {
        var name = $"{Quote(options.SchemaName)}.{Quote(options.TableName)}";
        if (await ScalarAsync<object>(connection, $"SELECT to_regclass('{name.Replace("'", "''", StringComparison.Ordinal)}')::oid", cancellationToken) is not uint oid)
        {
            table.Problem = $"the table {table.Table} does not exist";
            return null;
        }
        try
        {
            if (!exact)
            {
                // A partitioned table's estimate is the sum of its partitions'; -1 means never analyzed, and then rows are counted.
                await using var estimate = new NpgsqlCommand(
                    "SELECT sum(c.reltuples) FILTER (WHERE c.reltuples >= 0)::bigint FROM pg_partition_tree($1) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf",
                    connection);
                estimate.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlDbType.Oid });
                if (await estimate.ExecuteScalarAsync(cancellationToken) is long rows)
                {
                    return rows;
                }
            }
            var where = string.IsNullOrWhiteSpace(options.Where) ? "" : $" WHERE ({options.Where})";
            return await ScalarAsync<long>(connection, $"SELECT count(*) FROM {name}{where}", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            table.Problem = e.MessageText;
            return null;
        }
    }

    private async Task ReadTypesenseAsync(StatusReport report, CancellationToken cancellationToken)
    {
        // One attempt each, briefly: a status must answer quickly, also when Typesense is down.
        var options = new TypesenseOptions
        {
            ApiKey = _options.Typesense.ApiKey,
            NearestNode = _options.Typesense.NearestNode,
            ConnectionTimeout = Timeout,
            ImportTimeout = Timeout,
            MaxRetries = 0,
        };
        foreach (var node in _options.Typesense.Nodes)
        {
            options.Nodes.Add(node);
        }
        using var client = new TypesenseClient(options, NullLogger<TypesenseClient>.Instance);
        foreach (var table in report.Tables)
        {
            try
            {
                var found = await client.SearchAsync(table.Collection, new SearchRequest { Q = "*", PerPage = 0 }, cancellationToken);
                table.CollectionExists = true;
                table.Documents = found.Found;
            }
            catch (TypesenseException e) when (e.StatusCode == 404)
            {
                table.CollectionExists = false;
            }
            catch (TypesenseException e) when (!cancellationToken.IsCancellationRequested)
            {
                report.TypesenseError = e.Message;
                return;
            }
        }
    }

    private async Task ReadDaemonAsync(StatusReport report, Uri? daemonUrl, CancellationToken cancellationToken)
    {
        var url = daemonUrl ?? DefaultDaemonUrl(_options.Http);
        if (url is null)
        {
            report.DaemonError = _options.Http.Enabled
                ? "Http:Urls picks its port at start; pass the daemon's address with --url"
                : "Http:Enabled is false, so the daemon serves no status";
            return;
        }
        report.DaemonUrl = url.ToString();
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            var json = await http.GetStringAsync(new Uri(url, "status"), cancellationToken);
            report.Daemon = StatusJson.Parse(json);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            report.DaemonError = e is JsonException ? $"{url} answered, but not with WalSync's status" : $"not running (no answer from {url}status)";
        }
    }

    /// <summary>The address of the daemon's listener as a client reaches it: the first of <c>Http:Urls</c>, with a wildcard host
    /// replaced by loopback; null when the listener is off or its port is chosen at start.</summary>
    public static Uri? DefaultDaemonUrl(HttpOptions http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Enabled || http.UrlList.Count == 0 || !Uri.TryCreate(http.UrlList[0], UriKind.Absolute, out var listen) || listen.Port == 0)
        {
            return null;
        }
        var host = listen.Host is "0.0.0.0" or "[::]" or "*" or "+" ? "127.0.0.1" : listen.Host;
        return new UriBuilder(listen.Scheme, host, listen.Port, "/").Uri;
    }

    private void Judge(StatusReport report)
    {
        var attention = report.Attention;
        if (report.PostgresError is { } postgres)
        {
            attention.Add($"PostgreSQL did not answer ({postgres}); check Postgres:ConnectionString and that the server runs.");
        }
        else if (!report.Slot.Exists)
        {
            attention.Add($"The slot '{report.Slot.Name}' does not exist: WalSync has not started yet, or the slot was dropped. " +
                "walsync run creates it and backfills the collections while it streams.");
        }
        else if (report.Slot.WalStatus == "lost")
        {
            attention.Add($"PostgreSQL invalidated the slot '{report.Slot.Name}' (wal_status = lost): changes were missed. " +
                "walsync run replaces it and rebuilds the collections by itself (Postgres:OnSlotInvalidated = Rebuild, the default), or run walsync run --resnapshot.");
        }
        else if (report.Slot.LagBytes > _thresholds.MaxLagBytes)
        {
            attention.Add($"The slot is {Format.Bytes(report.Slot.LagBytes.Value)} behind the server's WAL, over --max-lag-bytes " +
                $"{Format.Bytes(_thresholds.MaxLagBytes)}{(report.Daemon is null ? "; start WalSync" : "")}.");
        }
        if (report.PostgresError is null && !report.Publication.Exists && report.Slot.Exists)
        {
            attention.Add($"The publication '{report.Publication.Name}' does not exist; walsync run creates it.");
        }
        if (report.TypesenseError is { } typesense)
        {
            attention.Add($"Typesense did not answer ({typesense}); check Typesense:Nodes and Typesense:ApiKey and that Typesense runs.");
        }
        foreach (var table in report.Tables)
        {
            if (table.Problem is { } problem)
            {
                attention.Add($"{table.Table}: {problem}.");
            }
            if (table.CollectionExists == false)
            {
                attention.Add($"The collection '{table.Collection}' of {table.Table} does not exist; walsync run creates it and backfills it from the table.");
            }
        }
        if (report.DeadLettersPending?.Values.Sum() is > 0 and var pending)
        {
            attention.Add($"{pending.ToString(CultureInfo.InvariantCulture)} dead letters are pending; see walsync dead-letters list, fix the cause, then walsync dead-letters retry.");
        }
        if (report.Daemon is { } daemon)
        {
            if (daemon.LagSeconds > _thresholds.MaxLagSeconds)
            {
                attention.Add($"The daemon is {daemon.LagSeconds:0.#} s behind, over --max-lag-seconds {_thresholds.MaxLagSeconds:0.#}.");
            }
            if (daemon.LastError is { } error)
            {
                attention.Add($"The daemon is {Telemetry.WalSyncTelemetry.PhaseName(daemon.Phase)}: {error}");
            }
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

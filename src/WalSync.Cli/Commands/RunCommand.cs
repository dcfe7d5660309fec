using System.CommandLine;
using WalSync.Cli.Hosting;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync run</c>: streams changes until stopped.</summary>
public static class RunCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = CommandOptions.Config();
        var resnapshot = new Option<bool>("--resnapshot")
        {
            Description = "Drop the replication slot, create a new one and rebuild every collection into a new version behind " +
                "its alias, while the current versions keep serving searches. Use it after PostgreSQL invalidated the slot " +
                "(wal_status = lost) when Postgres:OnSlotInvalidated is Stop.",
        };
        var reindex = new Option<string[]>("--reindex")
        {
            Description = "Rebuild this table's collection (schema.table, as in Tables) into a new version while the current one " +
                "keeps serving; the alias moves to it once it is filled. Repeat it for several tables.",
        };
        var logFormat = new Option<string?>("--log-format")
        {
            Description = "How log lines are written on the console: simple (one line per message, the default) or json (one JSON " +
                "object per line, for log collectors). Same as Logging:Console:FormatterName in the configuration.",
        };
        logFormat.AcceptOnlyFromAmong([.. LoggingSetup.Formats]);
        var command = new Command("run", "Keep the configured Typesense collections equal to their PostgreSQL tables until stopped. " +
            "On first start it creates the publication, the slot and the collections and reads the existing rows in while " +
            "changes stream; later starts resume from the slot. SIGINT/SIGTERM stop it gracefully: what is in flight is " +
            "flushed and acknowledged. While it runs, http://127.0.0.1:9464 serves /metrics (Prometheus), /healthz, /readyz, " +
            "/status and /wait?lsn=… (see Http:Urls); OTEL_EXPORTER_OTLP_ENDPOINT exports traces, metrics and logs over OTLP. " +
            "Exit codes: 0 stopped cleanly, 1 failed, 2 configuration must be fixed.")
        {
            config,
            resnapshot,
            reindex,
            logFormat,
        };
        Examples.Add(command, "walsync run --config walsync.json", "walsync run --config walsync.json --reindex public.products",
            "walsync run -c walsync.json --log-format json", "WALSYNC_Typesense__ApiKey=KEY walsync run -c /etc/walsync/walsync.json");
        command.SetAction(async (parse, _) =>
        {
            if (await CommandOptions.LoadAsync(parse, config) is not { } options)
            {
                return ExitCodes.Configuration;
            }
            var tables = (parse.GetValue(reindex) ?? []).Select(t => t.Contains('.', StringComparison.Ordinal) ? t : "public." + t).ToList();
            if (tables.FirstOrDefault(t => !options.Tables.Any(o => $"{o.SchemaName}.{o.TableName}" == t)) is { } unknown)
            {
                await Console.Error.WriteLineAsync($"walsync: --reindex {unknown}: the table is not in Tables of the configuration; " +
                    $"name one of {string.Join(", ", options.Tables.Select(o => $"{o.SchemaName}.{o.TableName}"))}.");
                return ExitCodes.Configuration;
            }
            return await WalSyncHost.RunAsync(options, parse.GetValue(resnapshot), tables, parse.GetValue(logFormat));
        });
        return command;
    }
}

using System.CommandLine;
using WalSync.Cli.Hosting;
using WalSync.Configuration;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync run</c>: streams changes until stopped.</summary>
public static class RunCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "The JSON configuration file (see README.md, 'Configuration'). Every key can be overridden by an " +
                "environment variable: WALSYNC_<Section>__<Key>, e.g. WALSYNC_Typesense__ApiKey. Without --config, only " +
                "environment variables are read.",
        };
        var resnapshot = new Option<bool>("--resnapshot")
        {
            Description = "Drop the replication slot, then start as on first start: create a new slot and copy the tables " +
                "again (each collection is emptied first). Use it after PostgreSQL invalidated the slot (wal_status = lost) " +
                "or when the collections must be rebuilt.",
        };
        var logFormat = new Option<string?>("--log-format")
        {
            Description = "How log lines are written on the console: simple (one line per message, the default) or json (one JSON " +
                "object per line, for log collectors). Same as Logging:Console:FormatterName in the configuration.",
        };
        logFormat.AcceptOnlyFromAmong([.. LoggingSetup.Formats]);
        var command = new Command("run", "Keep the configured Typesense collections equal to their PostgreSQL tables until stopped. " +
            "On first start it creates the publication, the slot and the collections and copies the existing rows; later " +
            "starts resume from the slot. SIGINT/SIGTERM stop it gracefully: what is in flight is flushed and acknowledged. " +
            "While it runs, http://127.0.0.1:9464 serves /metrics (Prometheus), /healthz, /readyz, /status and /wait?lsn=…" +
            " (see Http:Urls); OTEL_EXPORTER_OTLP_ENDPOINT exports traces, metrics and logs over OTLP. " +
            "Exit codes: 0 stopped cleanly, 1 failed, 2 configuration must be fixed.")
        {
            config,
            resnapshot,
            logFormat,
        };
        command.SetAction(async (parse, _) =>
        {
            WalSyncOptions options;
            try
            {
                options = WalSyncConfiguration.Load(parse.GetValue(config)?.FullName);
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync($"walsync: {e.Message}");
                return ExitCodes.Configuration;
            }
            return await WalSyncHost.RunAsync(options, parse.GetValue(resnapshot), parse.GetValue(logFormat));
        });
        return command;
    }
}

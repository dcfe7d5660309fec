using System.CommandLine;
using WalSync.Cli.Inspection;
using WalSync.Configuration;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync status</c>: how the sync stands, whether the daemon runs or not.</summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "The JSON configuration file of walsync run (environment variables WALSYNC_<Section>__<Key> override it).",
        };
        var exact = new Option<bool>("--exact") { Description = "Count each table's rows with count(*) (under its Where filter) instead of PostgreSQL's estimate." };
        var json = new Option<bool>("--json") { Description = "Write one JSON document instead of lines and a table." };
        var url = new Option<Uri?>("--url")
        {
            Description = "The running daemon's HTTP address (default: the first of Http:Urls, e.g. http://127.0.0.1:9464).",
            CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : Fail<Uri>(result, $"--url '{result.Tokens[0].Value}' is not an http:// address; write it like http://127.0.0.1:9464."),
        };
        var maxLagBytes = new Option<long>("--max-lag-bytes")
        {
            Description = "The slot may be this many bytes of WAL behind the server before it needs attention (default 104857600, 100 MiB).",
            DefaultValueFactory = _ => 100L * 1024 * 1024,
        };
        var maxLagSeconds = new Option<double>("--max-lag-seconds")
        {
            Description = "The running daemon may be this many seconds behind before it needs attention (default 60).",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command("status", "Show how the sync stands, whether or not walsync run is running: the slot (active process, " +
            "confirmed_flush_lsn, wal_status, WAL retained), the publication and its tables, each collection's documents beside its table's " +
            "rows, the pending dead letters, and the daemon's phase and lag from its /status when it answers. Exit codes: 0 healthy, " +
            "1 something needs attention (lag over a threshold, slot missing or lost, dead letters pending, PostgreSQL or Typesense not " +
            "answering), 2 configuration must be fixed.")
        {
            config, exact, json, url, maxLagBytes, maxLagSeconds,
        };
        command.SetAction(async (parse, cancellationToken) =>
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
            var inspector = new StatusInspector(options, new StatusThresholds(parse.GetValue(maxLagBytes), parse.GetValue(maxLagSeconds)));
            var report = await inspector.InspectAsync(parse.GetValue(exact), parse.GetValue(url), cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(StatusPrinter.Json(report));
            }
            else
            {
                StatusPrinter.Print(report, Console.Out, terminal: !Console.IsOutputRedirected);
            }
            return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
        });
        Examples.Add(command, "walsync status --config walsync.json", "walsync status -c walsync.json --json --exact",
            "walsync status -c walsync.json --max-lag-seconds 60");
        return command;
    }

    private static T? Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }
}

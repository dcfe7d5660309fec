using System.CommandLine;
using WalSync.Cli.Inspection;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync status</c>: how the sync stands, whether the daemon runs or not.</summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = CommandOptions.Config();
        var exact = new Option<bool>("--exact") { Description = "Count each table's rows with count(*) (under its Where filter) instead of PostgreSQL's estimate." };
        var json = new Option<bool>("--json") { Description = "Write one JSON document instead of lines and a table." };
        var url = CommandOptions.DaemonUrl();
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
            "confirmed_flush_lsn, wal_status, WAL retained, transactions spilled to disk or streamed before their commit), the publication and its tables, each collection's documents beside its table's " +
            "rows, the pending dead letters, and the daemon's phase and lag from its /status when it answers. Exit codes: 0 healthy, " +
            "1 something needs attention (lag over a threshold, slot missing or lost, dead letters pending, PostgreSQL or Typesense not " +
            "answering), 2 configuration must be fixed.")
        {
            config, exact, json, url, maxLagBytes, maxLagSeconds,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await CommandOptions.LoadAsync(parse, config) is not { } options)
            {
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
}

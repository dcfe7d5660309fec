using System.CommandLine;
using WalSync.Cli.Hosting;
using WalSync.Configuration;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync run</c>: streams changes until stopped.</summary>
public static class RunCommand
{
    /// <summary>The <c>--config</c> option of <c>run</c> and <c>check</c>.</summary>
    public static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "The JSON configuration file (see README.md, 'Configuration'). Every key can be overridden by an " +
            "environment variable: WALSYNC_<Section>__<Key>, e.g. WALSYNC_Typesense__ApiKey. Without --config, only " +
            "environment variables are read.",
    };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = ConfigOption();
        var resnapshot = new Option<bool>("--resnapshot")
        {
            Description = "Drop the replication slot, then start as on first start: create a new slot and copy the tables " +
                "again (each collection is emptied first). Use it after PostgreSQL invalidated the slot (wal_status = lost) " +
                "or when the collections must be rebuilt.",
        };
        var command = new Command("run", "Keep the configured Typesense collections equal to their PostgreSQL tables until stopped. " +
            "On first start it creates the publication, the slot and the collections and copies the existing rows; later " +
            "starts resume from the slot. SIGINT/SIGTERM stop it gracefully: what is in flight is flushed and acknowledged. " +
            "Exit codes: 0 stopped cleanly, 1 failed, 2 configuration must be fixed.")
        {
            config,
            resnapshot,
        };
        Examples.Add(command, "walsync run --config walsync.json", "walsync run --config walsync.json --resnapshot",
            "WALSYNC_Typesense__ApiKey=KEY walsync run -c /etc/walsync/walsync.json");
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
            return await WalSyncHost.RunAsync(options, parse.GetValue(resnapshot));
        });
        return command;
    }
}

using System.CommandLine;
using WalSync.Cli.Demo;
using WalSync.Configuration;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync demo</c>: the main job on an embedded default.</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var url = new Option<Uri?>("--typesense-url")
        {
            Description = "Use this Typesense (e.g. http://127.0.0.1:8108) instead of WalSync's in-process Typesense-compatible emulator.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    return uri;
                }
                result.AddError($"--typesense-url '{text}' is not an http:// or https:// URL; write it like http://127.0.0.1:8108.");
                return null;
            },
        };
        var key = new Option<string?>("--typesense-api-key")
        {
            Description = "The API key of --typesense-url (default: the TYPESENSE_API_KEY environment variable).",
        };
        var rows = new Option<int>("--rows")
        {
            Description = "Rows in the products table before WalSync starts.",
            DefaultValueFactory = _ => 1000,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Show WalSync's log lines as well." };
        var command = new Command("demo", "Run WalSync end to end on a throwaway PostgreSQL cluster (started from this machine's " +
            "PostgreSQL binaries) and, unless --typesense-url is given, WalSync's in-process Typesense-compatible emulator: " +
            "create and fill a products table, backfill it while streaming, then insert, update and delete rows and show what reached the " +
            "collection. Exits 0 when the collection equals the table, 1 when it does not.")
        {
            url, key, rows, verbose,
        };
        Examples.Add(command, "walsync demo", "walsync demo --rows 10000 --verbose",
            "walsync demo --typesense-url http://127.0.0.1:8108 --typesense-api-key walsync-dev");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new DemoOptions
            {
                TypesenseUrl = parse.GetValue(url),
                TypesenseApiKey = parse.GetValue(key) ?? Environment.GetEnvironmentVariable("TYPESENSE_API_KEY"),
                Rows = parse.GetValue(rows),
                Verbose = parse.GetValue(verbose),
            };
            try
            {
                return await new DemoRunner(options, ConsoleOutput.Create()).RunAsync(cancellationToken);
            }
            catch (Exception e) when (e is PostgresClusterException or ConfigurationException)
            {
                await Console.Error.WriteLineAsync($"walsync: {e.Message}");
                return ExitCodes.Configuration;
            }
        });
        return command;
    }
}

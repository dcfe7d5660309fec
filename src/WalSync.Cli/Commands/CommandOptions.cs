using System.CommandLine;
using System.CommandLine.Parsing;
using WalSync.Configuration;

namespace WalSync.Cli.Commands;

/// <summary>The options several commands share (<c>--config</c>, <c>--url</c>) and loading the configuration with the
/// one error line and exit code 2 every command gives for a bad one.</summary>
public static class CommandOptions
{
    /// <summary>A new <c>--config</c> option: the JSON configuration file, overridden by environment variables.</summary>
    public static Option<FileInfo?> Config() => new("--config", "-c")
    {
        Description = "The JSON configuration file (see README.md, 'Configuration'). Every key can be overridden by an " +
            "environment variable: WALSYNC_<Section>__<Key>, e.g. WALSYNC_Typesense__ApiKey. Without --config, only " +
            "environment variables are read.",
    };

    /// <summary>A new <c>--url</c> option: the running daemon's HTTP address; refused unless it is an http(s) address.</summary>
    public static Option<Uri?> DaemonUrl() => new("--url")
    {
        Description = "The running daemon's HTTP address (default: the first of Http:Urls, e.g. http://127.0.0.1:9464).",
        CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : Fail(result, $"--url '{result.Tokens[0].Value}' is not an http:// address; write it like http://127.0.0.1:9464."),
    };

    /// <summary>Loads the configuration <paramref name="config"/> names; on a bad one writes <c>walsync: message</c> to
    /// standard error and returns null (the caller exits with <see cref="ExitCodes.Configuration"/>).</summary>
    public static async Task<WalSyncOptions?> LoadAsync(ParseResult parse, Option<FileInfo?> config)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return WalSyncConfiguration.Load(parse.GetValue(config)?.FullName);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"walsync: {e.Message}");
            return null;
        }
    }

    private static Uri? Fail(ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }
}

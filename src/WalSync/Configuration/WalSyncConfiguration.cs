using Microsoft.Extensions.Configuration;

namespace WalSync.Configuration;

/// <summary>Loads <see cref="WalSyncOptions"/> from a JSON file and <c>WALSYNC_</c> environment variables, and validates it.</summary>
public static class WalSyncConfiguration
{
    /// <summary>The prefix of environment variables that override configuration keys (<c>WALSYNC_Batch__MaxRows=100</c>).</summary>
    public const string EnvironmentPrefix = "WALSYNC_";

    /// <summary>Builds the configuration: the JSON file (when given), then environment variables, which win.</summary>
    /// <param name="path">The JSON file, or null to use environment variables only.</param>
    /// <exception cref="ConfigurationException">The file is missing or is not valid JSON.</exception>
    public static IConfigurationRoot Build(string? path)
    {
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            AddJsonFile(builder, path);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        return builder.Build();
    }

    /// <summary>Loads, binds and validates the configuration.</summary>
    /// <param name="path">The JSON file, or null to use environment variables only.</param>
    /// <exception cref="ConfigurationException">The file is missing or malformed, a value has the wrong type, a key is
    /// unknown, or a value is invalid; the message names each key and its fix.</exception>
    public static WalSyncOptions Load(string? path)
    {
        if (path is not null)
        {
            // Unknown keys are reported only for the file: other WALSYNC_ variables may belong to tools around us.
            var fileOnly = new ConfigurationBuilder();
            AddJsonFile(fileOnly, path);
            Bind(fileOnly.Build(), errorOnUnknownKeys: true);
        }
        var options = Bind(Build(path), errorOnUnknownKeys: false);
        WalSyncOptionsValidator.ThrowIfInvalid(options);
        return options;
    }

    private static void AddJsonFile(ConfigurationBuilder builder, string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConfigurationException($"The configuration file '{full}' does not exist. Pass an existing file with --config, " +
                "or start from samples/walsync.json.");
        }
        builder.AddJsonFile(full, optional: false, reloadOnChange: false);
    }

    private static WalSyncOptions Bind(IConfiguration configuration, bool errorOnUnknownKeys)
    {
        var options = new WalSyncOptions();
        try
        {
            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = errorOnUnknownKeys);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException($"Invalid configuration: {e.Message} Fix the value or remove the key " +
                "(see the configuration reference in README.md).", e);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException($"The configuration file is not valid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"The configuration file is not valid JSON: {e.Message}", e);
        }
        return options;
    }
}

using Microsoft.Extensions.Configuration;

namespace WalSync.Configuration;

/// <summary>Loads <see cref="WalSyncOptions"/> from a JSON file and <c>WALSYNC_</c> environment variables, and validates it.</summary>
public static partial class WalSyncConfiguration
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
        return BuildFrom(builder, path);
    }

    /// <summary>Loads, binds and validates the configuration.</summary>
    /// <param name="path">The JSON file, or null to use environment variables only.</param>
    /// <exception cref="ConfigurationException">The file is missing or malformed, a value has the wrong type, a key is
    /// unknown, or a value is invalid; the message names each key and its fix.</exception>
    public static WalSyncOptions Load(string? path)
    {
        var problems = new List<string>();
        if (path is not null)
        {
            // Unknown keys are reported only for the file: other WALSYNC_ variables may belong to tools around us.
            var fileOnly = new ConfigurationBuilder();
            AddJsonFile(fileOnly, path);
            problems.AddRange(ConfigurationShape.Problems(BuildFrom(fileOnly, path), typeof(WalSyncOptions), reportUnknown: true));
        }
        var configuration = Build(path);
        problems.AddRange(ConfigurationShape.Problems(configuration, typeof(WalSyncOptions), reportUnknown: false).Except(problems).ToList());
        if (problems.Count > 0)
        {
            throw new ConfigurationException("Invalid configuration:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}")) +
                $"{Environment.NewLine}See the configuration reference in README.md.");
        }
        var options = Bind(configuration);
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

    /// <summary>Loads the sources; a file that is not valid JSON becomes a <see cref="ConfigurationException"/>.</summary>
    private static IConfigurationRoot BuildFrom(ConfigurationBuilder builder, string? path)
    {
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            // The innermost message says where (line, byte); the outer ones only repeat that loading failed.
            var cause = e;
            while (cause.InnerException is not null)
            {
                cause = cause.InnerException;
            }
            throw new ConfigurationException($"The configuration file '{(path is null ? "?" : Path.GetFullPath(path))}' is not valid JSON: {Where(cause)}", e);
        }
    }

    /// <summary>The parser's message with its position counted from 1, as editors count: System.Text.Json counts lines
    /// and bytes from 0.</summary>
    private static string Where(Exception cause)
    {
        if (cause is not System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } column })
        {
            return cause.Message;
        }
        var message = JsonPosition().Replace(cause.Message, "").TrimEnd(' ', '.');
        return $"{message} (line {line + 1}, column {column + 1}).";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*(Path: \S+ \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial System.Text.RegularExpressions.Regex JsonPosition();

    private static WalSyncOptions Bind(IConfiguration configuration)
    {
        var options = new WalSyncOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder quotes the value it could not convert; a value may be a secret, so only its key is named.
            throw new ConfigurationException($"Invalid configuration: {QuotedValue().Replace(e.Message, "value ")} Fix the value or " +
                "remove the key (see the configuration reference in README.md).", e);
        }
        return options;
    }

    [System.Text.RegularExpressions.GeneratedRegex("value '.*?' (?=at ')", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex QuotedValue();
}

using Microsoft.Extensions.Logging;
using WalSync.Configuration;

namespace WalSync.Cli.Hosting;

/// <summary>Applies the <c>Logging</c> section (levels per category, the console format) to the host's logging.</summary>
public static class LoggingSetup
{
    /// <summary>The formats <c>--log-format</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Formats = ConsoleLoggingOptions.FormatterNames;

    /// <summary>Configures the console logger of <paramref name="logging"/> from <paramref name="options"/>.</summary>
    /// <param name="logging">The host's logging.</param>
    /// <param name="options">The <c>Logging</c> section.</param>
    /// <param name="format">The <c>--log-format</c> switch, which wins over <c>Logging:Console:FormatterName</c>; null when not given.</param>
    public static void Configure(ILoggingBuilder logging, LoggingOptions options, string? format)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(options);
        logging.ClearProviders();
        var formatter = options.Console.FormatterOptions;
        if (IsJson(format ?? options.Console.FormatterName))
        {
            logging.AddJsonConsole(json =>
            {
                json.TimestampFormat = formatter.TimestampFormat ?? "O";
                json.UseUtcTimestamp = formatter.UseUtcTimestamp ?? true;
                json.IncludeScopes = formatter.IncludeScopes;
            });
        }
        else
        {
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = formatter.TimestampFormat ?? "HH:mm:ss ";
                console.UseUtcTimestamp = formatter.UseUtcTimestamp ?? false;
                console.IncludeScopes = formatter.IncludeScopes;
            });
        }
        logging.SetMinimumLevel(LogLevel.Information);
        // Each request to Typesense would be two Information lines: the client logs its own retries and failures.
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Kestrel's "Now listening on" repeats WalSync's own line about the HTTP listener.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A host that fails to start (the HTTP port taken) logs the exception's stack; WalSync says what to fix instead.
        logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        if (Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("WALSYNC_LOG_LEVEL"), ignoreCase: true, out var level))
        {
            logging.SetMinimumLevel(level);
        }
        foreach (var (category, categoryLevel) in options.LogLevel)
        {
            if (string.Equals(category, "Default", StringComparison.OrdinalIgnoreCase))
            {
                logging.SetMinimumLevel(categoryLevel);
            }
            else
            {
                logging.AddFilter(category, categoryLevel);
            }
        }
    }

    /// <summary>True when <paramref name="format"/> names the JSON console format.</summary>
    public static bool IsJson(string? format) => string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the simple format writes to a terminal, where a progress bar can be drawn.</summary>
    public static bool IsTerminal(LoggingOptions options, string? format) =>
        !IsJson(format ?? options?.Console.FormatterName) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
}

using Microsoft.Extensions.Logging;

namespace WalSync.Configuration;

/// <summary>
/// The <c>Logging</c> section, in the shape of .NET's logging configuration: levels per category, the console format,
/// and WalSync's periodic summary line.
/// </summary>
/// <remarks>https://learn.microsoft.com/dotnet/core/extensions/logging#configure-logging</remarks>
public sealed class LoggingOptions
{
    /// <summary>Minimum levels by category, the longest matching prefix winning: <c>Default</c>, <c>WalSync</c>,
    /// <c>WalSync.Typesense.TypesenseClient</c>, <c>Npgsql</c>… Levels: Trace, Debug, Information, Warning, Error,
    /// Critical, None. Default: Information.</summary>
    public IDictionary<string, LogLevel> LogLevel { get; set; } = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The console output.</summary>
    public ConsoleLoggingOptions Console { get; set; } = new();

    /// <summary>While streaming, one Information line this often with the changes, documents, lag and dead letters since the
    /// last one; zero turns it off. Default 1 minute.</summary>
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Every problem of this section, one sentence each naming the key and the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Console.FormatterName is { } name && !ConsoleLoggingOptions.FormatterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"Logging:Console:FormatterName '{name}' is not a console format; write \"simple\" (one line per message) or \"json\" (one JSON object per line).");
        }
        if (SummaryInterval < TimeSpan.Zero || (SummaryInterval > TimeSpan.Zero && SummaryInterval < TimeSpan.FromSeconds(1)))
        {
            errors.Add($"Logging:SummaryInterval is {SummaryInterval}; set one second or more (e.g. \"00:01:00\"), or \"00:00:00\" to turn the summary off.");
        }
        return errors;
    }
}

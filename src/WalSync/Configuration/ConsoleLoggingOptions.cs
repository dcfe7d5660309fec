namespace WalSync.Configuration;

/// <summary>The <c>Logging:Console</c> section.</summary>
public sealed class ConsoleLoggingOptions
{
    /// <summary>The formats <see cref="FormatterName"/> accepts.</summary>
    public static readonly IReadOnlyList<string> FormatterNames = ["simple", "json"];

    /// <summary><c>simple</c> (default: one line per message, with time, level and category) or <c>json</c> (one JSON object
    /// per line, for log collectors); <c>walsync run --log-format json</c> does the same.</summary>
    public string? FormatterName { get; set; }

    /// <summary>The console formatter's options.</summary>
    public ConsoleFormatterOptions FormatterOptions { get; set; } = new();
}

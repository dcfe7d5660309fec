namespace WalSync.Configuration;

/// <summary>The <c>Logging:Console:FormatterOptions</c> section.</summary>
public sealed class ConsoleFormatterOptions
{
    /// <summary>The format of each line's time (.NET custom date format); default <c>HH:mm:ss </c> for simple and the
    /// round-trip format (<c>O</c>) for json.</summary>
    public string? TimestampFormat { get; set; }

    /// <summary>Whether times are in UTC; default false for simple, true for json.</summary>
    public bool? UseUtcTimestamp { get; set; }

    /// <summary>Whether logging scopes are written. Default false.</summary>
    public bool IncludeScopes { get; set; }
}

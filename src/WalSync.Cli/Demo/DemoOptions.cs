namespace WalSync.Cli.Demo;

/// <summary>Options of <c>walsync demo</c>.</summary>
public sealed class DemoOptions
{
    /// <summary>A real Typesense to use instead of the in-process emulator.</summary>
    public Uri? TypesenseUrl { get; init; }

    /// <summary>The API key of <see cref="TypesenseUrl"/>.</summary>
    public string? TypesenseApiKey { get; init; }

    /// <summary>Rows in the table before WalSync starts. Default 1000.</summary>
    public int Rows { get; init; } = 1000;

    /// <summary>Show WalSync's own log lines.</summary>
    public bool Verbose { get; init; }
}

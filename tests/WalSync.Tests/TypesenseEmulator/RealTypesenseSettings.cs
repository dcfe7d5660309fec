namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The real Typesense to test against: <c>TYPESENSE_URL</c> and <c>TYPESENSE_API_KEY</c>.</summary>
public static class RealTypesenseSettings
{
    /// <summary>Base URL, or null.</summary>
    public static string? Url => Environment.GetEnvironmentVariable("TYPESENSE_URL");

    /// <summary>API key, or null.</summary>
    public static string? ApiKey => Environment.GetEnvironmentVariable("TYPESENSE_API_KEY");

    /// <summary>Why real-server tests are skipped, or null when both variables are set.</summary>
    public static string? SkipReason =>
        string.IsNullOrEmpty(Url) || string.IsNullOrEmpty(ApiKey)
            ? "No real Typesense: set TYPESENSE_URL and TYPESENSE_API_KEY (e.g. from samples/docker-compose.yml) to run these contract tests against one."
            : null;
}

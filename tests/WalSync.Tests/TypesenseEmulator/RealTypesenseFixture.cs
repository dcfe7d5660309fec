namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The real Typesense named by <c>TYPESENSE_URL</c> and <c>TYPESENSE_API_KEY</c>.</summary>
public sealed class RealTypesenseFixture : ITypesenseEndpoint
{
    /// <inheritdoc />
    public Uri Url { get; } = new(RealTypesenseSettings.Url is { Length: > 0 } url ? url : "http://127.0.0.1:8108");

    /// <inheritdoc />
    public string ApiKey { get; } = RealTypesenseSettings.ApiKey ?? string.Empty;
}

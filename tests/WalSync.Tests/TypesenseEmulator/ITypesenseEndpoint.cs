namespace WalSync.Tests.TypesenseEmulator;

/// <summary>A Typesense-compatible server to run contract tests against.</summary>
public interface ITypesenseEndpoint
{
    /// <summary>Base URL.</summary>
    Uri Url { get; }

    /// <summary>Admin API key.</summary>
    string ApiKey { get; }
}

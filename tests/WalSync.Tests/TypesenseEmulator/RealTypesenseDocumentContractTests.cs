namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The document contract against the real Typesense named by TYPESENSE_URL / TYPESENSE_API_KEY (skipped without them).</summary>
public sealed class RealTypesenseDocumentContractTests : DocumentContractTests, IClassFixture<RealTypesenseFixture>, IRealTypesenseTests
{
    /// <summary>Created by xunit with the real server's settings.</summary>
    public RealTypesenseDocumentContractTests(RealTypesenseFixture fixture)
        : base(fixture)
    {
    }
}

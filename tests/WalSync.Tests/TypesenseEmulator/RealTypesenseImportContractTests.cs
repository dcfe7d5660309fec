namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The import contract against the real Typesense named by TYPESENSE_URL / TYPESENSE_API_KEY (skipped without them).</summary>
public sealed class RealTypesenseImportContractTests : ImportContractTests, IClassFixture<RealTypesenseFixture>, IRealTypesenseTests
{
    /// <summary>Created by xunit with the real server's settings.</summary>
    public RealTypesenseImportContractTests(RealTypesenseFixture fixture)
        : base(fixture)
    {
    }
}

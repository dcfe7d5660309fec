namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The server contract against the real Typesense named by TYPESENSE_URL / TYPESENSE_API_KEY (skipped without them).</summary>
public sealed class RealTypesenseServerContractTests : ServerContractTests, IClassFixture<RealTypesenseFixture>, IRealTypesenseTests
{
    /// <summary>Created by xunit with the real server's settings.</summary>
    public RealTypesenseServerContractTests(RealTypesenseFixture fixture)
        : base(fixture)
    {
    }
}

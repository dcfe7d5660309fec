namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The import contract against the project's emulator.</summary>
public sealed class EmulatorImportContractTests : ImportContractTests, IClassFixture<EmulatorEndpointFixture>
{
    /// <summary>Created by xunit with the shared emulator.</summary>
    public EmulatorImportContractTests(EmulatorEndpointFixture fixture)
        : base(fixture)
    {
    }
}

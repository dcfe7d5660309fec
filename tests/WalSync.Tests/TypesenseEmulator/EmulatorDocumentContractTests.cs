namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The document contract against the project's emulator.</summary>
public sealed class EmulatorDocumentContractTests : DocumentContractTests, IClassFixture<EmulatorEndpointFixture>
{
    /// <summary>Created by xunit with the shared emulator.</summary>
    public EmulatorDocumentContractTests(EmulatorEndpointFixture fixture)
        : base(fixture)
    {
    }
}

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>The server contract against the project's emulator.</summary>
public sealed class EmulatorServerContractTests : ServerContractTests, IClassFixture<EmulatorEndpointFixture>
{
    /// <summary>Created by xunit with the shared emulator.</summary>
    public EmulatorServerContractTests(EmulatorEndpointFixture fixture)
        : base(fixture)
    {
    }
}

using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>One emulator on a free loopback port, shared by the tests of a class.</summary>
public sealed class EmulatorEndpointFixture : ITypesenseEndpoint, IAsyncLifetime
{
    private EmulatorServer? _server;

    /// <summary>The running server.</summary>
    public EmulatorServer Server => _server ?? throw new InvalidOperationException("The emulator is not started.");

    /// <inheritdoc />
    public Uri Url => Server.Url;

    /// <inheritdoc />
    public string ApiKey => Server.ApiKey;

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = "contract-key" });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

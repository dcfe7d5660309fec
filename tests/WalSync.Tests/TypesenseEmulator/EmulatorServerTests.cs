using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Hosting: free ports, host names, the API key.</summary>
public sealed class EmulatorServerTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task StartAsync_PortZero_ListensOnAFreePort(string host)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { Host = host, ApiKey = "secret" });
        using var client = new HttpClient { BaseAddress = server.Url };

        var health = await client.GetStringAsync(new Uri("/health", UriKind.Relative));

        Assert.NotEqual(0, server.Url.Port);
        Assert.Equal("secret", server.ApiKey);
        Assert.Equal("{\"ok\":true}", health);
    }

    [Fact]
    public async Task StartAsync_EmptyApiKey_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions { ApiKey = string.Empty }));
}

namespace WalSync.TypesenseEmulator;

/// <summary>Where the emulator listens and which API key it accepts.</summary>
public sealed class EmulatorOptions
{
    /// <summary>TCP port; 0 picks a free port (read it back from <see cref="EmulatorServer.Url"/>).</summary>
    public int Port { get; set; }

    /// <summary>The bootstrap API key every request (except <c>GET /health</c>) must carry.</summary>
    public string ApiKey { get; set; } = "walsync-dev";

    /// <summary>Address to bind: an IP address, <c>localhost</c>, or <c>0.0.0.0</c> for all interfaces.</summary>
    public string Host { get; set; } = "127.0.0.1";
}

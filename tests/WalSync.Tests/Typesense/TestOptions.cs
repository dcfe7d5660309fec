using System.Net;
using System.Net.Sockets;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

/// <summary>Client options for tests: short retry delays and timeouts, a bounded number of retries.</summary>
internal static class TestOptions
{
    public static TypesenseOptions For(string apiKey, params string[] nodes)
    {
        var options = new TypesenseOptions
        {
            ApiKey = apiKey,
            RetryInitialDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            ConnectionTimeout = TimeSpan.FromSeconds(5),
            ImportTimeout = TimeSpan.FromSeconds(10),
            MaxRetries = 10,
        };
        foreach (var node in nodes)
        {
            options.Nodes.Add(node);
        }

        return options;
    }

    /// <summary>A loopback URL on which nothing listens: a port the system gave out and that was closed again.</summary>
    public static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}

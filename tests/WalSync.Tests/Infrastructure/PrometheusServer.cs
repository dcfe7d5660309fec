using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server (Debian's package) on a free loopback port, scraping one target every second, with its data in
/// a temporary directory; stopped and removed on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Text.StringBuilder _output = new();

    private PrometheusServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The server's base address.</summary>
    public Uri Url { get; }

    /// <summary>What the server printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="binary"/> scraping <paramref name="target"/> (host:port) and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string binary, string target)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"walsync-prometheus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: walsync
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
        {
            start.ArgumentList.Add(argument);
        }
        var server = new PrometheusServer(Process.Start(start)!, directory, new Uri($"http://127.0.0.1:{port}/"));
        await Eventually.HoldsAsync(async () =>
        {
            if (server._process.HasExited)
            {
                Assert.Fail($"prometheus exited: {server.Output}");
            }
            try
            {
                using var ready = await Http.GetAsync(new Uri(server.Url, "-/ready"));
                return ready.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "prometheus to be ready", () => Task.FromResult(server.Output));
        return server;
    }

    /// <summary>Runs an instant query; returns the API's status and the result vector.</summary>
    public async Task<(string Status, JsonArray Result, string? Error)> QueryAsync(string promql)
    {
        var uri = new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(promql)}");
        using var response = await Http.GetAsync(uri);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return (body["status"]!.GetValue<string>(), body["data"]?["result"]?.AsArray() ?? [], body["error"]?.GetValue<string>());
    }

    /// <summary>The sample value of each series of <paramref name="result"/>.</summary>
    public static IEnumerable<double> Values(JsonArray result) =>
        result.Select(series => double.Parse(series!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

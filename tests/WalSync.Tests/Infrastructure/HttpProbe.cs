using System.Net;
using System.Text.Json.Nodes;

namespace WalSync.Tests.Infrastructure;

/// <summary>GET requests to a walsync process's HTTP listener, for tests.</summary>
public static class HttpProbe
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The status code and body of <c>GET</c> <paramref name="path"/> under <paramref name="baseUrl"/>.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri baseUrl, string path)
    {
        using var response = await Client.GetAsync(new Uri(baseUrl, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The JSON body of <c>GET</c> <paramref name="path"/>, with its status code.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> GetJsonAsync(Uri baseUrl, string path)
    {
        var (status, body) = await GetAsync(baseUrl, path);
        return (status, JsonNode.Parse(body)!.AsObject());
    }

    /// <summary>Waits until the process's <c>/status</c> says it streams (<c>/readyz</c> is 200 while it copies, too).</summary>
    public static Task WaitForStreamingAsync(Uri baseUrl, WalSyncProcess process) =>
        Eventually.HoldsAsync(async () =>
        {
            try
            {
                var (status, body) = await GetJsonAsync(baseUrl, "status");
                return status == HttpStatusCode.OK && body["phase"]?.GetValue<string>() == "streaming";
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "walsync to stream", () => Task.FromResult(process.Output));

    /// <summary>True when <c>GET</c> <paramref name="path"/> answers <paramref name="expected"/>.</summary>
    public static async Task<bool> AnswersAsync(Uri baseUrl, string path, HttpStatusCode expected) => (await GetAsync(baseUrl, path)).Status == expected;
}

namespace WalSync.Tests.Infrastructure;

/// <summary>A client of a collection's alias during a rebuild: exports it again and again, without retries, and records what
/// it saw.</summary>
public static class AliasSearcher
{
    /// <summary>What the searcher saw: the exports that answered, the failures (status and body, or the error), and the
    /// fewest documents one export held.</summary>
    public sealed record Seen(int Searches, IReadOnlyList<string> Failures, int Fewest);

    /// <summary>Exports <paramref name="collection"/> (without the harness prefix) until <paramref name="stop"/>.</summary>
    public static async Task<Seen> RunAsync(SyncHarness harness, string collection, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(harness);
        using var http = new HttpClient { BaseAddress = new Uri(harness.TypesenseUrl) };
        http.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", harness.ApiKey);
        var failures = new List<string>();
        var (searches, fewest) = (0, int.MaxValue);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var answer = await http.GetAsync(new Uri($"collections/{harness.Prefix}{collection}/documents/export", UriKind.Relative), stop);
                var body = await answer.Content.ReadAsStringAsync(stop);
                if (!answer.IsSuccessStatusCode)
                {
                    failures.Add($"{(int)answer.StatusCode} {body}");
                    continue;
                }
                searches++;
                fewest = Math.Min(fewest, body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException e)
            {
                failures.Add(e.Message);
            }
        }
        return new Seen(searches, failures, fewest);
    }
}

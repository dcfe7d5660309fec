using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WalSync.Tests.Nested;

/// <summary>
/// The fan-out benchmark: one category referenced by 100,000 products. It measures the first fill of the products
/// collection (a backfill) and the rebuild of all 100,000 documents after one UPDATE of the category, with the real
/// <c>walsync</c> process, and samples the process's resident memory during the rebuild. Figures only, no timing asserts.
/// </summary>
/// <remarks><c>WALSYNC_NESTED_BENCHMARK=1 dotnet test tests/WalSync.Tests --filter "FullyQualifiedName~NestedFanOutBenchmark" --logger "console;verbosity=detailed"</c></remarks>
public sealed class NestedFanOutBenchmark(ITestOutputHelper output)
{
    private const int Roots = 100_000;

    [NestedBenchmarkFact]
    public async Task Run_CategoryOfAllProductsRenamed_RebuildRateAgainstBackfillRate()
    {
        await using var harness = await SyncHarness.StartAsync("nested_fanout", requireEmulator: true);
        await harness.ExecuteAsync($"""
            CREATE TABLE categories (id integer PRIMARY KEY, name text);
            CREATE TABLE products (id integer PRIMARY KEY, name text, price numeric, category_id integer REFERENCES categories);
            INSERT INTO categories VALUES (1, 'first');
            INSERT INTO products SELECT g, 'product ' || g, g / 100.0, 1 FROM generate_series(1, {Roots}) AS g;
            """);
        var options = harness.Options(("public.products", "products"));
        options.Tables[0].Nested = [new NestedOptions { Field = "category", Table = "public.categories" }];
        options.Backfill.ChunkRows = 5000;
        options.Batch.MaxRows = 5000;

        await using var process = WalSyncProcess.Run(options);
        await process.WaitForOutputAsync("Streaming from slot", TimeSpan.FromMinutes(2));
        var fill = Stopwatch.StartNew();
        await process.WaitForOutputAsync($"into {harness.Prefix}products__v1 done", TimeSpan.FromMinutes(15));
        fill.Stop();

        using var http = new HttpClient { BaseAddress = new Uri(harness.TypesenseUrl) };
        http.DefaultRequestHeaders.Add("X-TYPESENSE-API-KEY", harness.ApiKey);
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(process.Id));
                await Task.Delay(50, CancellationToken.None);
            }
        });
        var rebuild = Stopwatch.StartNew();
        await harness.ExecuteAsync("UPDATE categories SET name = 'renamed' WHERE id = 1");
        await Eventually.HoldsAsync(async () => await CountAsync(http, harness, "category.name:=renamed") == Roots, TimeSpan.FromMinutes(15),
            "every product to carry the renamed category");
        rebuild.Stop();
        await sampling.CancelAsync();
        await sampler;

        var fillRate = Roots / fill.Elapsed.TotalSeconds;
        var rebuildRate = Roots / rebuild.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backfill: {Roots} documents in {fill.Elapsed.TotalSeconds:F1} s = {fillRate:F0}/s; rebuild after one category update: {Roots} documents in " +
            $"{rebuild.Elapsed.TotalSeconds:F1} s = {rebuildRate:F0}/s ({rebuildRate / fillRate:F2}x the backfill rate); peak RSS during the rebuild {peak / 1048576.0:F0} MB"));
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "walsync-nested-fanout.txt"), string.Create(CultureInfo.InvariantCulture,
            $"fill_seconds={fill.Elapsed.TotalSeconds:F1} rebuild_seconds={rebuild.Elapsed.TotalSeconds:F1} ratio={rebuildRate / fillRate:F2} peak_rss_mb={peak / 1048576.0:F0}\n"));
        Assert.True(peak > 0, "no memory sample was taken");
    }

    private static async Task<int> CountAsync(HttpClient http, SyncHarness harness, string filter)
    {
        var answer = JsonNode.Parse(await http.GetStringAsync(new Uri(
            $"collections/{harness.Prefix}products/documents/search?q=*&per_page=0&filter_by={Uri.EscapeDataString(filter)}", UriKind.Relative)));
        return answer!["found"]!.GetValue<int>();
    }

    private static long ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

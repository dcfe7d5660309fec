using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary>
/// <c>/metrics</c> as its readers see it: a real Prometheus server scraping it and answering queries for the lag and the
/// throughput, and the Grafana dashboard of <c>samples/</c>, every metric of which must exist.
/// </summary>
public sealed partial class MetricsTests : IClassFixture<RunningWalSyncFixture>
{
    private const string Dashboard = "samples/grafana/dashboards/walsync.json";
    private readonly RunningWalSyncFixture _walsync;

    public MetricsTests(RunningWalSyncFixture walsync) => _walsync = walsync;

    [PrometheusFact]
    public async Task Prometheus_ScrapingWalSync_AnswersForLagThroughputAndEveryDashboardQuery()
    {
        await using var prometheus = await PrometheusServer.StartAsync(PrometheusFactAttribute.Binary, $"{_walsync.Url.Host}:{_walsync.Url.Port}");

        await Eventually.HoldsAsync(async () => PrometheusServer.Values((await prometheus.QueryAsync("up{job=\"walsync\"}")).Result).Contains(1),
            TimeSpan.FromSeconds(60), "Prometheus to scrape walsync", () => Task.FromResult(prometheus.Output));
        await Eventually.HoldsAsync(async () => (await prometheus.QueryAsync("walsync_replication_lag_bytes")).Result.Count == 1
            && (await prometheus.QueryAsync("walsync_replication_lag_seconds")).Result.Count == 1,
            TimeSpan.FromSeconds(60), "the lag series");
        var written = PrometheusServer.Values((await prometheus.QueryAsync("sum(walsync_documents_written_total)")).Result).Single();
        // Rows 1 to 590 end in the collection, each written at least once (a backfilled row changed meanwhile is written once).
        Assert.True(written >= 590, $"documents written: {written}");
        var inserts = PrometheusServer.Values((await prometheus.QueryAsync(
            "sum(walsync_changes_received_total{table=\"public.products\",kind=\"insert\"})")).Result).Single();
        Assert.True(inserts >= 101, $"inserts received: {inserts}");
        // One row is rejected; a batch replayed after a restart (a slow import on a loaded machine) dead-letters it again.
        Assert.True(PrometheusServer.Values((await prometheus.QueryAsync("sum(walsync_dead_letters_total)")).Result).Single() >= 1, "no dead letter counted");

        foreach (var expr in DashboardQueries())
        {
            var (status, _, error) = await prometheus.QueryAsync(expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal));
            Assert.True(status == "success", $"the dashboard query {expr} failed: {error}");
        }
    }

    [Fact]
    public async Task Dashboard_EveryMetricItQueriesExistsInMetrics()
    {
        var queries = DashboardQueries();
        var names = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet();
        Assert.True(names.Count >= 12, $"the dashboard queries only {string.Join(", ", names)}");

        // A gauge appears once its value is known (the slot's retained WAL after the first slot poll), so /metrics is read
        // until every name is there or the time is up.
        HashSet<string> exported = [];
        await Eventually.HoldsAsync(async () =>
        {
            var (status, metrics) = await HttpProbe.GetAsync(_walsync.Url, "metrics");
            exported = status == HttpStatusCode.OK
                ? metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOfAny(['{', ' '])]).ToHashSet()
                : [];
            return names.All(exported.Contains);
        }, TimeSpan.FromSeconds(60), "every metric the dashboard queries to be in /metrics",
            () => Task.FromResult("missing: " + string.Join(", ", names.Where(n => !exported.Contains(n)))));
        foreach (var needed in (string[])["walsync_replication_lag_bytes", "walsync_replication_lag_seconds", "walsync_changes_received_total",
            "walsync_documents_written_total", "walsync_import_duration_seconds_bucket", "walsync_dead_letters_total", "walsync_pipeline_restarts_total",
            "walsync_backfill_rows_total", "walsync_backfill_rows_estimate", "walsync_slot_spilled_bytes_total",
            "walsync_slot_streamed_bytes_total"])
        {
            Assert.Contains(needed, names);
        }
    }

    [Fact]
    public void Dashboard_IsProvisionedWithTheDataSourcesItUses()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf(Dashboard)));
        var root = dashboard.RootElement;
        Assert.Equal("walsync", root.GetProperty("uid").GetString());
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, panel =>
        {
            Assert.Equal("prometheus", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        });
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var datasources = File.ReadAllText(RepositoryFiles.PathOf("samples/grafana/provisioning/datasources/datasources.yml"));
        Assert.Contains("uid: prometheus", datasources, StringComparison.Ordinal);
        Assert.Contains("uid: jaeger", datasources, StringComparison.Ordinal);
        var compose = File.ReadAllText(RepositoryFiles.PathOf("samples/docker-compose.yml"));
        Assert.Contains("./grafana/dashboards:/var/lib/grafana/dashboards", compose, StringComparison.Ordinal);
        Assert.Contains("--config samples/walsync.json", compose, StringComparison.Ordinal);
    }

    /// <summary>Every PromQL expression of the dashboard's panels.</summary>
    private static List<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf(Dashboard)));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)
            .ToList();
    }

    [GeneratedRegex("\\bwalsync_[a-z0-9_]+")]
    private static partial Regex MetricName();
}

using System.Text;
using Npgsql;
using WalSync.Tests.Infrastructure;
using static WalSync.Tests.Infrastructure.ProtobufReader;

namespace WalSync.Tests.Operations;

/// <summary>
/// The real <c>walsync run</c> exports over OTLP (http/protobuf) to a receiver the test hosts, configured only by the
/// standard <c>OTEL_*</c> variables: the flush span with its children, the backfill span, metrics by name and log records.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private const string Password = "pw-not-in-telemetry-4711";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("otlp");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    /// <summary>A span as the test reads it.</summary>
    private sealed record Span(string TraceId, string SpanId, string ParentId, string Name, Dictionary<string, string> Attributes);

    [Fact]
    public async Task Run_OtlpEndpointSet_ExportsTracesMetricsAndLogsOverHttpProtobuf()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var options = _harness.Options(("public.items", "items"));
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(_harness.ConnectionString) { Password = Password }.ConnectionString;
        await using var walsync = WalSyncProcess.Run(options, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "walsync-otlp-test",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        await walsync.WaitForOutputAsync("Exporting traces, metrics and logs over OTLP", TimeSpan.FromSeconds(60));
        await walsync.WaitForOutputAsync("Streaming from slot", TimeSpan.FromSeconds(60));
        await _harness.ExecuteAsync("BEGIN; INSERT INTO items VALUES (100, 'new'); UPDATE items SET name = 'renamed' WHERE id = 1; DELETE FROM items WHERE id = 2; COMMIT;");
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items");

        List<Span> spans = [];
        await Eventually.HoldsAsync(() =>
        {
            spans = Spans(receiver);
            return Task.FromResult(FlushWithChildren(spans) is not null && spans.Any(s => s.Name == "walsync.backfill"));
        }, TimeSpan.FromSeconds(60), "a walsync.flush span with walsync.import and walsync.delete under a walsync.flush.collection",
            () => Task.FromResult(string.Join(", ", spans.Select(s => s.Name).Distinct())));
        var (flush, import, delete) = FlushWithChildren(spans)!.Value;
        Assert.Equal(flush.TraceId, import.TraceId);
        Assert.Equal("typesense", import.Attributes["db.system"]);
        Assert.Equal(_harness.Prefix + "items__v1", import.Attributes["db.collection.name"]);
        Assert.Equal(_harness.Prefix + "items__v1", delete.Attributes["db.collection.name"]);
        Assert.False(string.IsNullOrEmpty(flush.Attributes["walsync.transaction_end_lsn"]));
        // The HTTP client's span of the import call, and Npgsql's of the backfill's reads, are children of WalSync's spans.
        Assert.True(spans.Any(s => s.ParentId == import.SpanId && s.Attributes.GetValueOrDefault("http.request.method") == "POST"
            && s.Attributes.ContainsKey("http.response.status_code") && s.Attributes.ContainsKey("server.address")), Describe(spans));
        var backfill = spans.First(s => s.Name == "walsync.backfill");
        Assert.Equal("public.items", backfill.Attributes["db.collection.name"]);
        Assert.Equal(_harness.Prefix + "items__v1", backfill.Attributes["walsync.collection"]);
        Assert.True(spans.Any(s => s.ParentId == backfill.SpanId
            && (s.Attributes.GetValueOrDefault("db.system") ?? s.Attributes.GetValueOrDefault("db.system.name")) == "postgresql"), Describe(spans));

        HashSet<string> metrics = [];
        await Eventually.HoldsAsync(() =>
        {
            metrics = MetricNames(receiver);
            return Task.FromResult(metrics.IsSupersetOf(["walsync.changes.received", "walsync.documents.written", "walsync.documents.deleted",
                "walsync.replication.lag_bytes", "walsync.import.duration", "walsync.commit_to_searchable", "walsync.backfill.rows"]));
        }, TimeSpan.FromSeconds(60), "WalSync's metrics", () => Task.FromResult(string.Join(", ", metrics)));

        await Eventually.HoldsAsync(() => Task.FromResult(LogBodies(receiver).Any(b => b.Contains("Streaming from slot", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the log record that says streaming started");

        var resource = receiver.Bodies("traces").SelectMany(b => At(b, 1, 1, 1)).Select(Attribute).GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.First().Value);
        Assert.Equal("walsync-otlp-test", resource["service.name"]);
        Assert.Equal("test", resource["deployment.environment"]);
        Assert.All(receiver.Requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
        foreach (var (signal, _, body) in receiver.Requests)
        {
            var text = Encoding.UTF8.GetString(body);
            Assert.False(text.Contains(Password, StringComparison.Ordinal), $"the password went out with {signal}");
            Assert.False(text.Contains(_harness.ApiKey, StringComparison.Ordinal), $"the Typesense API key went out with {signal}");
        }
    }

    private static string Describe(List<Span> spans) => string.Join("\n", spans.Select(s =>
        $"{s.Name} {s.SpanId} parent {s.ParentId}: {string.Join(", ", s.Attributes.Select(a => $"{a.Key}={a.Value}"))}"));

    /// <summary>A flush span with an import and a delete child, or null.</summary>
    /// <summary>A flush with an import and a delete under one of its per-collection spans.</summary>
    private static (Span Flush, Span Import, Span Delete)? FlushWithChildren(List<Span> spans)
    {
        foreach (var flush in spans.Where(s => s.Name == "walsync.flush"))
        {
            foreach (var collection in spans.Where(s => s.Name == "walsync.flush.collection" && s.ParentId == flush.SpanId))
            {
                var import = spans.FirstOrDefault(s => s.Name == "walsync.import" && s.ParentId == collection.SpanId);
                var delete = spans.FirstOrDefault(s => s.Name == "walsync.delete" && s.ParentId == collection.SpanId);
                if (import is not null && delete is not null)
                {
                    return (flush, import, delete);
                }
            }
        }
        return null;
    }

    /// <summary>Every span received: ExportTraceServiceRequest.resource_spans(1).scope_spans(2).spans(2).</summary>
    private static List<Span> Spans(OtlpReceiver receiver) =>
        receiver.Bodies("traces").SelectMany(b => At(b, 1, 2, 2)).Select(span => new Span(Hex(span, 1), Hex(span, 2), Hex(span, 4), Text(span, 5),
            At(span, 9).Select(Attribute).GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.First().Value))).ToList();

    /// <summary>Every metric name: ExportMetricsServiceRequest.resource_metrics(1).scope_metrics(2).metrics(2).name(1).</summary>
    private static HashSet<string> MetricNames(OtlpReceiver receiver) =>
        receiver.Bodies("metrics").SelectMany(b => At(b, 1, 2, 2)).Select(m => Text(m, 1)).ToHashSet();

    /// <summary>Every log body: ExportLogsServiceRequest.resource_logs(1).scope_logs(2).log_records(2).body(5).string_value(1).</summary>
    private static IEnumerable<string> LogBodies(OtlpReceiver receiver) =>
        receiver.Bodies("logs").SelectMany(b => At(b, 1, 2, 2, 5)).Select(body => Text(body, 1));

    /// <summary>A KeyValue: key(1), value(2) as AnyValue, read as text (string_value) or as its number.</summary>
    private static KeyValuePair<string, string> Attribute(ReadOnlyMemory<byte> keyValue)
    {
        var value = At(keyValue, 2).FirstOrDefault();
        var field = Read(value).FirstOrDefault();
        var text = field.Number switch
        {
            1 => field.Text,
            2 or 3 => field.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            4 => BitConverter.Int64BitsToDouble((long)field.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
        return new KeyValuePair<string, string>(Text(keyValue, 1), text);
    }
}

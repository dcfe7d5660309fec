using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WalSync.Configuration;
using WalSync.Telemetry;

namespace WalSync.Cli.Hosting;

/// <summary>
/// Wires OpenTelemetry into the host: WalSync's spans and meters, the HTTP client's (Typesense) and Npgsql's, exported over
/// OTLP when an endpoint is configured (each signal unless its <c>OTEL_*_EXPORTER</c> is <c>none</c>), and the metrics also served to Prometheus on <c>/metrics</c> when the HTTP listener
/// runs. The standard <c>OTEL_*</c> variables are read by the SDK itself; the <c>Telemetry</c> section fills those not set.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The <c>OTEL_*</c> settings the SDK reads: each environment variable as it is, and the <c>Telemetry</c> keys
    /// for those the environment does not set.</summary>
    /// <param name="options">The <c>Telemetry</c> section.</param>
    /// <param name="environment">The environment variables (names and values).</param>
    public static Dictionary<string, string?> Settings(TelemetryOptions options, IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var settings = environment.Where(e => e.Key.StartsWith("OTEL_", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(e.Value))
            .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        settings.TryAdd("OTEL_EXPORTER_OTLP_ENDPOINT", Blank(options.OtlpEndpoint));
        settings.TryAdd("OTEL_EXPORTER_OTLP_PROTOCOL", Blank(options.OtlpProtocol));
        settings.TryAdd("OTEL_EXPORTER_OTLP_HEADERS", Blank(options.OtlpHeaders));
        settings.TryAdd("OTEL_SERVICE_NAME", Blank(options.ServiceName) ?? "walsync");
        settings.TryAdd("OTEL_RESOURCE_ATTRIBUTES", Blank(options.ResourceAttributes));
        foreach (var unset in settings.Where(s => s.Value is null).Select(s => s.Key).ToList())
        {
            settings.Remove(unset);
        }
        return settings;
    }

    /// <summary>True when <paramref name="settings"/> name an OTLP endpoint, which turns the export on.</summary>
    public static bool ExportsOtlp(IReadOnlyDictionary<string, string?> settings) =>
        settings is not null && settings.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT");

    /// <summary>Adds OpenTelemetry to <paramref name="builder"/>: nothing when neither OTLP nor the HTTP listener is on.</summary>
    public static void Configure(IHostApplicationBuilder builder, WalSyncOptions options, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var otlp = ExportsOtlp(settings);
        if (!otlp && !options.Http.Enabled)
        {
            return;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        // OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none leaves a signal out of the OTLP export (Jaeger, for one, takes traces only).
        var traces = otlp && !IsNone(settings, "OTEL_TRACES_EXPORTER");
        var otlpMetrics = otlp && !IsNone(settings, "OTEL_METRICS_EXPORTER");
        var logs = otlp && !IsNone(settings, "OTEL_LOGS_EXPORTER");
        var version = typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddAttributes([new("service.version", version)]));
        if (otlpMetrics || options.Http.Enabled)
        {
            telemetry.WithMetrics(metrics =>
            {
                // Npgsql's own metrics are left out: they label every series with a connection string, once per pool.
                metrics.AddMeter(WalSyncTelemetry.Name).AddHttpClientInstrumentation();
                if (options.Http.Enabled)
                {
                    metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                }
                if (otlpMetrics)
                {
                    metrics.AddOtlpExporter();
                }
            });
        }
        if (traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(WalSyncTelemetry.Name)
                // Typesense calls are traced inside WalSync's spans (imports, deletes), not each health check or schema read.
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = _ => InsideWalSyncSpan())
                .AddNpgsql()
                .AddOtlpExporter());
        }
        if (logs)
        {
            telemetry.WithLogging(logging => logging.AddOtlpExporter(), logging => logging.IncludeFormattedMessage = true);
        }
    }

    private static bool IsNone(IReadOnlyDictionary<string, string?> settings, string key) =>
        string.Equals(settings.GetValueOrDefault(key)?.Trim(), "none", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the current span is WalSync's own or has a parent (the filter may run before or after the HTTP
    /// span is created).</summary>
    private static bool InsideWalSyncSpan() =>
        Activity.Current is { } current && (current.Source.Name == WalSyncTelemetry.Name || current.Parent is not null);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

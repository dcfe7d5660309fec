using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WalSync.Cli.Http;
using WalSync.Configuration;

namespace WalSync.Cli.Hosting;

/// <summary>
/// Builds and runs the host that carries a <see cref="SyncWorker"/>: with the HTTP listener of <c>Http:Urls</c> (Kestrel:
/// <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/status</c>, <c>/wait</c>) unless <c>Http:Enabled</c> is false,
/// OpenTelemetry, the configured logging, and the summary and progress lines.
/// </summary>
public static class WalSyncHost
{
    /// <summary>Runs WalSync with <paramref name="options"/> until SIGINT/SIGTERM or a failure; returns the exit code.</summary>
    /// <param name="options">The validated configuration.</param>
    /// <param name="resnapshot">Drop the slot, create a new one and rebuild every collection (<c>--resnapshot</c>).</param>
    /// <param name="reindex">Tables (schema.table) whose collections are rebuilt at start (<c>--reindex</c>).</param>
    /// <param name="logFormat">The <c>--log-format</c> switch (simple or json); null when not given.</param>
    public static async Task<int> RunAsync(WalSyncOptions options, bool resnapshot, IReadOnlyCollection<string> reindex, string? logFormat = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = TelemetrySetup.Settings(options.Telemetry, Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal));
        WebApplicationBuilder? web = null;
        IHostApplicationBuilder builder;
        if (options.Http.Enabled)
        {
            web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
            web.WebHost.UseKestrelCore().UseUrls([.. options.Http.UrlList]);
            web.Services.AddRoutingCore();
            builder = web;
        }
        else
        {
            builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        }
        LoggingSetup.Configure(builder.Logging, options.Logging, logFormat);
        TelemetrySetup.Configure(builder, options, settings);
        // Under systemd (Type=notify): readiness and stopping are reported to it, and log lines carry journal priorities.
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ExitCodeHolder>();
        builder.Services.AddSingleton(provider =>
            new SyncService(options, provider.GetRequiredService<ILoggerFactory>()) { Resnapshot = resnapshot, Reindex = reindex });
        builder.Services.AddSingleton(provider => provider.GetRequiredService<SyncService>().State);
        builder.Services.AddHostedService<SyncWorker>();
        builder.Services.AddHostedService(provider => new ProgressReporter(provider.GetRequiredService<SyncService>().State, options.Logging,
            LoggingSetup.IsTerminal(options.Logging, logFormat), provider.GetRequiredService<ILogger<ProgressReporter>>()));
        // The worker bounds its own drain by ShutdownTimeout; the host must not cut it short.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(10));
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        IHost host;
        if (web is not null)
        {
            var app = web.Build();
            if (TelemetrySetup.ExportsOtlp(settings) || options.Http.Enabled)
            {
                app.UseOpenTelemetryPrometheusScrapingEndpoint("/metrics");
            }
            OperationsEndpoints.Map(app, app.Services.GetRequiredService<SyncService>().State, options.Http);
            ReindexEndpoint.Map(app, options, app.Services.GetRequiredService<SyncService>().RequestRebuild, TimeProvider.System);
            host = app;
        }
        else
        {
            host = ((HostApplicationBuilder)builder).Build();
        }
        using (host)
        {
            // RunAsync disposes the host's services: take the holder first.
            var exit = host.Services.GetRequiredService<ExitCodeHolder>();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WalSync");
            try
            {
                await host.StartAsync();
            }
            catch (IOException e) when (web is not null)
            {
                CliLog.ConfigurationError(logger, $"Http:Urls: cannot listen on {options.Http.Urls} ({e.Message}). Set Http:Urls to a free " +
                    "address and port (e.g. \"http://127.0.0.1:9465\"), or Http:Enabled to false.");
                await host.StopAsync();
                return ExitCodes.Configuration;
            }
            if (web is not null && logger.IsEnabled(LogLevel.Information))
            {
                var addresses = string.Join(", ", host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
                var key = string.IsNullOrEmpty(options.Http.ApiKey) ? "none" : "set";
                CliLog.Listening(logger, addresses, key);
            }
            if (TelemetrySetup.ExportsOtlp(settings) && logger.IsEnabled(LogLevel.Information))
            {
                var protocol = settings.GetValueOrDefault("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
                CliLog.ExportingOtlp(logger, settings["OTEL_EXPORTER_OTLP_ENDPOINT"]!, protocol, settings["OTEL_SERVICE_NAME"]!);
            }
            await host.WaitForShutdownAsync();
            return exit.Code;
        }
    }
}

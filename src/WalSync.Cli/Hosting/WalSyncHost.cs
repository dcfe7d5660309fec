using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WalSync.Configuration;

namespace WalSync.Cli.Hosting;

/// <summary>Builds and runs the Generic Host that carries a <see cref="SyncWorker"/>.</summary>
public static class WalSyncHost
{
    /// <summary>Runs WalSync with <paramref name="options"/> until SIGINT/SIGTERM or a failure; returns the exit code.</summary>
    /// <param name="options">The validated configuration.</param>
    /// <param name="resnapshot">Drop the slot, create a new one and rebuild every collection (<c>--resnapshot</c>).</param>
    /// <param name="reindex">Tables (schema.table) whose collections are rebuilt at start (<c>--reindex</c>).</param>
    public static async Task<int> RunAsync(WalSyncOptions options, bool resnapshot, IReadOnlyCollection<string> reindex)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        var level = Environment.GetEnvironmentVariable("WALSYNC_LOG_LEVEL");
        if (Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed))
        {
            builder.Logging.SetMinimumLevel(parsed);
        }
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Under systemd (Type=notify): readiness and stopping are reported to it, and log lines carry journal priorities.
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ExitCodeHolder>();
        builder.Services.AddSingleton(provider =>
        {
            return new SyncService(options, provider.GetRequiredService<ILoggerFactory>()) { Resnapshot = resnapshot, Reindex = reindex };
        });
        builder.Services.AddHostedService<SyncWorker>();
        // The worker bounds its own drain by ShutdownTimeout; the host must not cut it short.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(10));
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        using var host = builder.Build();
        // RunAsync disposes the host's services: take the holder first.
        var exit = host.Services.GetRequiredService<ExitCodeHolder>();
        await host.RunAsync();
        return exit.Code;
    }
}

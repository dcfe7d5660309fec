using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WalSync.Configuration;

namespace WalSync.Cli.Hosting;

/// <summary>
/// Runs the <see cref="SyncService"/> inside the Generic Host. SIGINT/SIGTERM make the host cancel
/// <c>stoppingToken</c>: the service stops reading, flushes and acknowledges what is in flight, bounded by
/// <see cref="WalSyncOptions.ShutdownTimeout"/>. The outcome becomes the process exit code.
/// </summary>
public sealed class SyncWorker : BackgroundService
{
    private readonly SyncService _service;
    private readonly WalSyncOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ExitCodeHolder _exit;
    private readonly ILogger _logger;

    /// <summary>Creates the worker.</summary>
    public SyncWorker(SyncService service, WalSyncOptions options, IHostApplicationLifetime lifetime, ExitCodeHolder exit, ILogger<SyncWorker> logger)
    {
        _service = service;
        _options = options;
        _lifetime = lifetime;
        _exit = exit;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var abort = new CancellationTokenSource();
        await using var registration = stoppingToken.Register(() => abort.CancelAfter(_options.ShutdownTimeout));
        try
        {
            await Task.Yield();
            await _service.RunAsync(stoppingToken, abort.Token);
            _exit.Code = ExitCodes.Success;
        }
        catch (ConfigurationException e)
        {
            CliLog.ConfigurationError(_logger, e.Message);
            _exit.Code = ExitCodes.Configuration;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            CliLog.ShutdownTimedOut(_logger, Durations.Format(_options.ShutdownTimeout));
            _exit.Code = ExitCodes.Failure;
        }
        catch (Exception e)
        {
            CliLog.Failed(_logger, e, e.Message);
            _exit.Code = ExitCodes.Failure;
        }
        finally
        {
            _lifetime.StopApplication();
        }
    }
}

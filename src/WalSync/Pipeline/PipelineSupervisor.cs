using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using WalSync.Configuration;
using WalSync.Status;
using WalSync.Telemetry;

namespace WalSync.Pipeline;

/// <summary>
/// Owns the restart policy: runs the pipeline, and when it fails on a transient error (PostgreSQL restarted or
/// unreachable, the walsender terminated, Typesense still failing after the client's own retries) starts it again after
/// a capped exponential backoff with jitter, without end. Each run resumes from the slot, so nothing is lost. Errors
/// only the user can fix (<see cref="ErrorClassifier.AsConfigurationError"/>) end the run with a
/// <see cref="ConfigurationException"/>.
/// </summary>
internal sealed class PipelineSupervisor
{
    private readonly TimeSpan _initialDelay;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SyncState? _state;
    private readonly Func<Exception, string> _describe;

    /// <summary>Creates the supervisor.</summary>
    /// <param name="initialDelay">The delay before the first restart; it doubles, with jitter, up to <paramref name="maxDelay"/>.</param>
    /// <param name="maxDelay">The longest delay between restarts.</param>
    /// <param name="time">The clock of the delays.</param>
    /// <param name="logger">Receives one warning per restart.</param>
    /// <param name="describe">The failure in words for that warning (which server, which setting); its message when null.</param>
    /// <param name="state">Told of each restart and its reason; none when null.</param>
    public PipelineSupervisor(TimeSpan initialDelay, TimeSpan maxDelay, TimeProvider time, ILogger logger, Func<Exception, string>? describe = null,
        SyncState? state = null)
    {
        _describe = describe ?? (e => e.Message);
        _state = state;
        _initialDelay = initialDelay;
        _maxDelay = maxDelay;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs <paramref name="run"/> (its arguments: the attempt, 0 first; the stop and abort tokens) until it
    /// returns, restarting it after transient failures.</summary>
    /// <exception cref="ConfigurationException">The configuration or the environment must be fixed by the user.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public async Task RunAsync(Func<int, CancellationToken, CancellationToken, Task> run, CancellationToken stopping, CancellationToken abort)
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = _time }.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                !stopping.IsCancellationRequested && ErrorClassifier.AsConfigurationError(e) is null && ErrorClassifier.IsTransient(e)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _initialDelay,
            MaxDelay = _maxDelay,
            OnRetry = retried =>
            {
                var reason = retried.Outcome.Exception is { } e ? _describe(e) : "?";
                WalSyncTelemetry.PipelineRestarts.Add(1);
                TraceRestart(retried.Outcome.Exception, reason, retried.RetryDelay, retried.AttemptNumber + 1);
                _state?.Restarting(reason);
                PipelineSupervisorLog.Restarting(_logger, reason, Durations.Format(retried.RetryDelay), retried.AttemptNumber + 1);
                return default;
            },
        }).Build();
        using var stopOrAbort = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        var attempt = 0;
        try
        {
            // The run gets the outer tokens: Polly's token (stop or abort) must only cut the waits between attempts.
            await retry.ExecuteAsync(async _ => await run(attempt++, stopping, abort), stopOrAbort.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            // Stopped while waiting to restart: nothing was in flight.
        }
        catch (Exception e) when (ErrorClassifier.AsConfigurationError(e) is { } configuration)
        {
            throw configuration;
        }
    }

    /// <summary>A span for the restart, ended at once (it must not become the parent of the next run's spans), that says why
    /// and how long WalSync waits before the next attempt.</summary>
    private static void TraceRestart(Exception? error, string reason, TimeSpan delay, int attempt)
    {
        using var activity = WalSyncTelemetry.ActivitySource.StartActivity("walsync.pipeline.restart");
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, reason);
        activity.SetTag("error.type", error?.GetType().FullName ?? "unknown");
        activity.SetTag("walsync.restart.reason", reason);
        activity.SetTag("walsync.restart.attempt", attempt);
        activity.SetTag("walsync.restart.delay_s", delay.TotalSeconds);
    }
}

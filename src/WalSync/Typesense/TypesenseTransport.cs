using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using WalSync.Telemetry;

namespace WalSync.Typesense;

/// <summary>
/// Sends a <see cref="TypesenseCall"/> to a node picked by <see cref="NodeSelector"/>, with a per-attempt timeout,
/// and retries transient failures (5xx, timeouts, connection errors) on the next node with Polly's exponential backoff
/// and jitter, up to <see cref="TypesenseOptions.MaxRetries"/>; past it the last failure is thrown, and the pipeline's
/// supervisor restarts the pipeline.
/// </summary>
/// <remarks>
/// Which failures are retried follows the official clients (https://typesense.org/docs/guide/high-availability.html);
/// 4xx answers are handed to the reader, which throws for them: they are never retried.
/// </remarks>
internal sealed class TypesenseTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _healthcheckInterval;
    private readonly TimeSpan _connectionTimeout;

    public TypesenseTransport(TypesenseOptions options, ILogger logger, TimeProvider timeProvider, HttpMessageHandler? handler)
    {
        _logger = logger;
        _timeProvider = timeProvider;
        _healthcheckInterval = options.HealthcheckInterval;
        _connectionTimeout = options.ConnectionTimeout;
        Nodes = new NodeSelector(options.Nodes, options.NearestNode, options.HealthcheckInterval, timeProvider);
        _http = handler is null
            ? new HttpClient(CreateHandler(options), disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own timeout on the TimeProvider
        _http.DefaultRequestHeaders.TryAddWithoutValidation("X-TYPESENSE-API-KEY", options.ApiKey);
        _pipeline = options.MaxRetries == 0 ? ResiliencePipeline.Empty : CreatePipeline(options);
    }

    /// <summary>Called before each retry with the failure being retried; none when null.</summary>
    public Action<TypesenseException>? Retrying { get; set; }

    /// <summary>The nodes and their health.</summary>
    public NodeSelector Nodes { get; }

    /// <summary>Sends <paramref name="call"/>, retrying transient failures, and hands a response below 500 to <paramref name="read"/>.</summary>
    /// <exception cref="TypesenseException">Retries were exhausted (the last failure), or <paramref name="read"/> threw it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<T> SendAsync<T>(TypesenseCall call, Func<HttpResponseMessage, TypesenseNode, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(token => AttemptAsync(call, Nodes.Next(), read, token), cancellationToken);

    /// <summary>Sends <paramref name="call"/> like <see cref="SendAsync{T}"/> for a reader that returns nothing.</summary>
    public Task SendAsync(TypesenseCall call, Func<HttpResponseMessage, TypesenseNode, CancellationToken, Task> read, CancellationToken cancellationToken) =>
        SendAsync(call, async (response, node, token) =>
        {
            await read(response, node, token);
            return true;
        }, cancellationToken);

    /// <summary>Sends <paramref name="call"/> once to <paramref name="node"/>, without retry.</summary>
    public ValueTask<T> SendOnceAsync<T>(TypesenseCall call, TypesenseNode node, Func<HttpResponseMessage, TypesenseNode, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        AttemptAsync(call, node, read, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async ValueTask<T> AttemptAsync<T>(TypesenseCall call, TypesenseNode node, Func<HttpResponseMessage, TypesenseNode, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(call.Timeout, _timeProvider);
        using var unhealthy = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, unhealthy.Token);
        using var stopWatching = new CancellationTokenSource();
        // A long call (an import) gets its whole timeout only while the node still answers GET /health.
        var watchdog = call.Timeout > _connectionTimeout ? WatchHealthAsync(node, unhealthy, stopWatching.Token) : Task.CompletedTask;
        try
        {
            using var request = call.CreateRequest(node);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                var message = await ErrorBodyReader.ReadMessageAsync(response, linked.Token);
                MarkFailed(node);
                throw new TypesenseException(node.BaseUri, call.Operation, status, message, isTransient: true);
            }

            Nodes.MarkHealthy(node);
            return await read(response, node, linked.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && unhealthy.IsCancellationRequested)
        {
            MarkFailed(node);
            var reason = $"no answer, and GET /health got none within {Configuration.Durations.Format(_connectionTimeout)} (Typesense:ConnectionTimeout) either: abandoned";
            throw new TypesenseException(node.BaseUri, call.Operation, null, reason, isTransient: true, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            MarkFailed(node);
            var reason = $"timed out after {call.Timeout.TotalSeconds:0.###} s";
            throw new TypesenseException(node.BaseUri, call.Operation, null, reason, isTransient: true, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            MarkFailed(node);
            throw new TypesenseException(node.BaseUri, call.Operation, null, Describe(ex), isTransient: true, ex);
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watchdog;
        }
    }

    /// <summary>
    /// While a long call waits, asks the node's <c>GET /health</c> after each <see cref="TypesenseOptions.ConnectionTimeout"/>
    /// without an answer; when the probe itself gets no answer within that time, cancels <paramref name="unhealthy"/>, so
    /// the call is abandoned and retried (on another node when there is one) instead of waiting out its whole timeout.
    /// Any HTTP answer to the probe, even 503, shows the node alive: a long import to it keeps waiting.
    /// </summary>
    /// <remarks>https://typesense.org/docs/29.0/api/cluster-operations.html#health</remarks>
    private async Task WatchHealthAsync(TypesenseNode node, CancellationTokenSource unhealthy, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_connectionTimeout, _timeProvider, stop);
                using var probeTimeout = new CancellationTokenSource(_connectionTimeout, _timeProvider);
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(stop, probeTimeout.Token);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, node.Resolve("/health"));
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, probe.Token);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested && ex is OperationCanceledException or HttpRequestException or IOException)
                {
                    TypesenseLog.HealthProbeFailed(_logger, node.BaseUri.Authority, Configuration.Durations.Format(_connectionTimeout));
                    await unhealthy.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The call ended.
        }
    }

    /// <summary>The messages of the exception chain: "An error occurred while sending the request." alone says little.</summary>
    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(" ← ", messages);
    }

    /// <summary>Skips <paramref name="node"/> for a while; said only when another node takes its requests meanwhile (a
    /// single node is tried again anyway, and the retry's own message says it failed).</summary>
    private void MarkFailed(TypesenseNode node)
    {
        if (Nodes.MarkFailed(node) && Nodes.Count > 1)
        {
            TypesenseLog.NodeUnhealthy(_logger, node.BaseUri.Authority, Configuration.Durations.Format(_healthcheckInterval));
        }
    }

    private ResiliencePipeline CreatePipeline(TypesenseOptions options) =>
        new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TypesenseException>(ex => ex.IsTransient),
                MaxRetryAttempts = options.MaxRetries ?? int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryInitialDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is TypesenseException retried)
                    {
                        WalSyncTelemetry.TypesenseRetries.Add(1, new KeyValuePair<string, object?>("cause", RetryCause(retried)));
                        Retrying?.Invoke(retried);
                    }
                    if (args.Outcome.Exception is TypesenseException { Node: { } node } ex)
                    {
                        TypesenseLog.RetryScheduled(_logger, ex.Operation ?? "request", args.AttemptNumber + 1, node.Authority,
                            ex.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no response",
                            ex.TypesenseMessage ?? "", Configuration.Durations.Format(args.RetryDelay));
                    }

                    return default;
                },
            })
            .Build();

    /// <summary>Why a request is retried, as the <c>cause</c> tag of <c>walsync.typesense.retries</c>.</summary>
    internal static string RetryCause(TypesenseException exception) => exception switch
    {
        { StatusCode: 503 } => "unavailable",
        { StatusCode: >= 500 } => "server_error",
        { InnerException: OperationCanceledException } => "timeout",
        _ => "connection",
    };

    /// <summary>Every <see cref="RetryCause"/>, so that each series exists from the start.</summary>
    internal static readonly string[] RetryCauses = ["unavailable", "server_error", "timeout", "connection"];

    private static SocketsHttpHandler CreateHandler(TypesenseOptions options) => new()
    {
        // Pooled keep-alive connections; recycled now and then so DNS changes of a node are picked up.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = options.ConnectionTimeout,
        AllowAutoRedirect = false,
        UseCookies = false,
    };
}

namespace WalSync.Typesense;

/// <summary>
/// Delay before each retry: exponential (initial × 2^retry) capped at the maximum, with full jitter above a
/// floor of the initial delay, so many clients backing off from one overloaded node spread out.
/// </summary>
/// <remarks>Jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ ; Typesense asks for jittered retries under 503 (https://typesense.org/docs/guide/syncing-data-into-typesense.html).</remarks>
internal sealed class RetryBackoff
{
    private readonly double _initialMs;
    private readonly double _maxMs;
    private readonly Func<double> _random;

    /// <param name="initial">Delay before the first retry (and the lowest delay).</param>
    /// <param name="max">Cap of any delay.</param>
    /// <param name="random">Source of uniform values in [0, 1); <see cref="Random.Shared"/> when null.</param>
    public RetryBackoff(TimeSpan initial, TimeSpan max, Func<double>? random = null)
    {
        _initialMs = initial.TotalMilliseconds;
        _maxMs = Math.Max(max.TotalMilliseconds, _initialMs);
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The upper bound of the delay before retry number <paramref name="retry"/> (0 = first retry).</summary>
    public TimeSpan Ceiling(int retry) =>
        TimeSpan.FromMilliseconds(Math.Min(_maxMs, _initialMs * Math.Pow(2, Math.Clamp(retry, 0, 62))));

    /// <summary>A jittered delay in [initial, <see cref="Ceiling"/>] before retry number <paramref name="retry"/> (0 = first retry).</summary>
    public TimeSpan Delay(int retry)
    {
        var ceilingMs = Ceiling(retry).TotalMilliseconds;
        return TimeSpan.FromMilliseconds(_initialMs + (_random() * (ceilingMs - _initialMs)));
    }
}

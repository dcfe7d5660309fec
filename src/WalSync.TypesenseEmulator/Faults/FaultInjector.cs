using WalSync.TypesenseEmulator.Faults;

namespace WalSync.TypesenseEmulator;

/// <summary>
/// Thread-safe fault control of one emulator: failing requests (503, 500, hang, dropped connection), a delay on
/// every request, a "not ready" mode, and request counters. Also reachable over HTTP at <c>/_emulator/faults</c>.
/// Faults are decided after route matching and before authentication, like Typesense's own 503 gate;
/// The control endpoint is never faulted, and <c>GET /health</c> only by a rule that names <see cref="RouteKind.Health"/>.
/// </summary>
public sealed class FaultInjector
{
    /// <summary>Guards <see cref="_rules"/>, <see cref="_delay"/>, <see cref="_healthy"/> and <see cref="_cleared"/>.</summary>
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<FaultRule> _rules = [];
    private readonly long[] _requests = new long[Enum.GetValues<RouteKind>().Length];
    private readonly long[] _faults = new long[Enum.GetValues<FaultKind>().Length];
    private TimeSpan _delay;
    private bool _healthy = true;
    private TaskCompletionSource _cleared = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates an injector on the system clock.</summary>
    public FaultInjector()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates an injector whose time windows follow <paramref name="timeProvider"/>.</summary>
    public FaultInjector(TimeProvider timeProvider) => _time = timeProvider;

    /// <summary>Total requests matched to a Typesense route (control endpoint excluded).</summary>
    public long TotalRequests => Sum(_requests);

    /// <summary>Total faults served, all kinds.</summary>
    public long FaultsServed => Sum(_faults);

    /// <summary>Current per-request delay.</summary>
    public TimeSpan Delay
    {
        get
        {
            lock (_gate)
            {
                return _delay;
            }
        }
    }

    /// <summary>False while <see cref="SetHealthy"/> put the emulator in "not ready" mode.</summary>
    public bool IsHealthy
    {
        get
        {
            lock (_gate)
            {
                return _healthy;
            }
        }
    }

    /// <summary>Faults the next <paramref name="count"/> writes (POST/PUT/PATCH/DELETE).</summary>
    public void FailNextWrites(int count, FaultKind kind) => FailNext(count, kind, FaultScope.Writes);

    /// <summary>Faults the next <paramref name="count"/> requests of any method.</summary>
    public void FailNextRequests(int count, FaultKind kind) => FailNext(count, kind, FaultScope.AllRequests);

    /// <summary>Faults the next <paramref name="count"/> requests in <paramref name="scope"/>, optionally of one route.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public void FailNext(int count, FaultKind kind, FaultScope scope, RouteKind? route = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Add(new FaultRule { Kind = kind, Scope = scope, Route = route, Remaining = count });
    }

    /// <summary>Faults every write for <paramref name="duration"/> from now.</summary>
    public void FailWritesFor(TimeSpan duration, FaultKind kind) => FailFor(duration, kind, FaultScope.Writes);

    /// <summary>Faults every request for <paramref name="duration"/> from now.</summary>
    public void FailRequestsFor(TimeSpan duration, FaultKind kind) => FailFor(duration, kind, FaultScope.AllRequests);

    /// <summary>Faults requests in <paramref name="scope"/> (optionally one route) for <paramref name="duration"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    public void FailFor(TimeSpan duration, FaultKind kind, FaultScope scope, RouteKind? route = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        Add(new FaultRule { Kind = kind, Scope = scope, Route = route, Until = _time.GetUtcNow() + duration });
    }

    /// <summary>Delays every request (health and control excluded) by <paramref name="delay"/>; zero removes it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public void SetDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _delay = delay;
        }
    }

    /// <summary>
    /// With false, <c>GET /health</c> answers 503 <c>{"ok":false}</c> and every other Typesense request 503
    /// <c>{ "message": "Not Ready or Lagging"}</c>, as a node that is not caught up does.
    /// </summary>
    public void SetHealthy(bool healthy)
    {
        lock (_gate)
        {
            _healthy = healthy;
        }
    }

    /// <summary>Removes all rules and the delay, restores health, and releases hanging requests.</summary>
    public void Clear()
    {
        TaskCompletionSource cleared;
        lock (_gate)
        {
            _rules.Clear();
            _delay = TimeSpan.Zero;
            _healthy = true;
            cleared = _cleared;
            _cleared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        cleared.TrySetResult();
    }

    /// <summary>Requests received on one route since start or <see cref="ResetCounters"/>.</summary>
    public long RequestsReceived(RouteKind route) => Interlocked.Read(ref _requests[(int)route]);

    /// <summary>Faults of one kind served since start or <see cref="ResetCounters"/>.</summary>
    public long FaultsServedOf(FaultKind kind) => Interlocked.Read(ref _faults[(int)kind]);

    /// <summary>Sets all counters to zero.</summary>
    public void ResetCounters()
    {
        for (var i = 0; i < _requests.Length; i++)
        {
            Interlocked.Exchange(ref _requests[i], 0);
        }

        for (var i = 0; i < _faults.Length; i++)
        {
            Interlocked.Exchange(ref _faults[i], 0);
        }
    }

    /// <summary>Counts one request.</summary>
    internal void RecordRequest(RouteKind route) => Interlocked.Increment(ref _requests[(int)route]);

    /// <summary>Picks the fault for a request, consuming one unit of a counted rule, or null.</summary>
    internal FaultKind? Take(RouteKind route, bool isWrite)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _rules.RemoveAll(rule => rule.IsSpent(now));
            var rule = _rules.Find(r => r.Applies(route, isWrite, now));
            if (rule is null)
            {
                return null;
            }

            if (rule.Remaining is { } remaining)
            {
                rule.Remaining = remaining - 1;
            }

            Interlocked.Increment(ref _faults[(int)rule.Kind]);
            return rule.Kind;
        }
    }

    /// <summary>Completes when <see cref="Clear"/> is next called.</summary>
    internal Task WhenCleared()
    {
        lock (_gate)
        {
            return _cleared.Task;
        }
    }

    private static long Sum(long[] counters)
    {
        long total = 0;
        for (var i = 0; i < counters.Length; i++)
        {
            total += Interlocked.Read(ref counters[i]);
        }

        return total;
    }

    private void Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }
    }
}

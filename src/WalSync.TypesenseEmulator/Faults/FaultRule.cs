namespace WalSync.TypesenseEmulator.Faults;

/// <summary>One active fault: for the next <see cref="Remaining"/> requests, or until <see cref="Until"/>.</summary>
internal sealed class FaultRule
{
    /// <summary>What to answer.</summary>
    public required FaultKind Kind { get; init; }

    /// <summary>Which requests.</summary>
    public required FaultScope Scope { get; init; }

    /// <summary>Only this endpoint, or any.</summary>
    public RouteKind? Route { get; init; }

    /// <summary>Requests left to fault; null for a time window.</summary>
    public int? Remaining { get; set; }

    /// <summary>End of the time window; null for a count.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>True if the rule applies to a request of this kind now. <c>GET /health</c> only gets a rule that names
    /// <see cref="RouteKind.Health"/>: a node that hangs as a whole, health check included.</summary>
    public bool Applies(RouteKind route, bool isWrite, DateTimeOffset now) =>
        (Scope == FaultScope.AllRequests || isWrite)
        && (Route == route || (Route is null && route != RouteKind.Health))
        && (Remaining is null or > 0)
        && (Until is null || now < Until);

    /// <summary>True once the rule can never apply again.</summary>
    public bool IsSpent(DateTimeOffset now) => Remaining is 0 || (Until is { } until && now >= until);
}

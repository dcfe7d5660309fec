namespace WalSync.Checks;

/// <summary>The outcome of one <see cref="CheckResult"/>.</summary>
public enum CheckStatus
{
    /// <summary>Nothing to fix.</summary>
    Passed,

    /// <summary>Works, but deserves a look (e.g. the slot is in use by another process).</summary>
    Warning,

    /// <summary>Must be fixed before <c>walsync run</c> can start; the message says how.</summary>
    Failed,

    /// <summary>The server could not be reached, so the check could not be made; <c>walsync run</c> would keep retrying.</summary>
    Unreachable,

    /// <summary>Not made, because a check it depends on did not pass (e.g. no connection to PostgreSQL).</summary>
    Skipped,
}

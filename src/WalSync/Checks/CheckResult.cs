namespace WalSync.Checks;

/// <summary>One start-up check of <see cref="StartupChecks"/>.</summary>
/// <param name="Name">What was checked, e.g. <c>wal_level</c> or <c>table public.products</c>.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Message">What was found; for <see cref="CheckStatus.Failed"/>, the problem and its fix (the SQL to run, the
/// setting to change). Never holds a password or the API key.</param>
public sealed record CheckResult(string Name, CheckStatus Status, string Message)
{
    /// <summary>True for <see cref="CheckStatus.Failed"/>: only the user can fix it.</summary>
    public bool MustBeFixed => Status == CheckStatus.Failed;
}

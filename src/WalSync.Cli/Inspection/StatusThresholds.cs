namespace WalSync.Cli.Inspection;

/// <summary>When <c>walsync status</c> says the lag needs attention.</summary>
/// <param name="MaxLagBytes">The most WAL the slot may be behind the server (<c>--max-lag-bytes</c>).</param>
/// <param name="MaxLagSeconds">The most seconds the daemon may be behind (<c>--max-lag-seconds</c>).</param>
public sealed record StatusThresholds(long MaxLagBytes, double MaxLagSeconds);

using Microsoft.Extensions.Logging;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>Warns when the slot's WAL sender spills transactions to disk: the first time after start, then at most
/// every <see cref="WarningInterval"/>, each warning counting the spills since the one before (or since start).</summary>
internal sealed class SlotSpillWatch(PostgresOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>At most how often a slot that keeps spilling is warned about.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromHours(1);

    private (long Transactions, long Bytes)? _since;
    private DateTimeOffset? _warnedAt;

    /// <summary>Takes one poll's spill statistics (nulls while the slot has none) and the monitor session's
    /// <c>logical_decoding_work_mem</c>, and warns when they grew.</summary>
    public void Polled((long? Transactions, long? Bytes, string WorkMem) poll)
    {
        if (poll is not { Transactions: { } transactions, Bytes: { } bytes })
        {
            return;
        }
        if (_since is not { } since || transactions < since.Transactions || bytes < since.Bytes)
        {
            // First read, or the statistics were reset: spills count from here.
            _since = (transactions, bytes);
            return;
        }
        var now = time.GetUtcNow();
        if (transactions == since.Transactions || (_warnedAt is { } warned && now - warned < WarningInterval))
        {
            return;
        }
        SlotMonitorLog.Spilled(logger, options.Slot, transactions - since.Transactions, (bytes - since.Bytes) / (1024.0 * 1024.0),
            options.LogicalDecodingWorkMem ?? poll.WorkMem, options.LogicalDecodingWorkMem is null ? "the server's setting" : "Postgres:LogicalDecodingWorkMem");
        _since = (transactions, bytes);
        _warnedAt = now;
    }
}

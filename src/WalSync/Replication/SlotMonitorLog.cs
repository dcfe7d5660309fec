using Microsoft.Extensions.Logging;

namespace WalSync.Replication;

internal static partial class SlotMonitorLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Reading the WAL position and the slot failed: {Error}")]
    public static partial void PollFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "The WAL sender of slot {Slot} spilled {Transactions} transaction(s), " +
        "{Mebibytes:0.#} MiB of changes, to disk: each outgrew logical_decoding_work_mem ({WorkMem}, {Source}) while being decoded, so the server wrote " +
        "and read back every change of it once more. Set Postgres:LogicalDecodingWorkMem (e.g. \"256MB\") to give WalSync's WAL sender more " +
        "memory for such transactions, or raise logical_decoding_work_mem on the server")]
    public static partial void Spilled(ILogger logger, string slot, long transactions, double mebibytes, string workMem, string source);
}

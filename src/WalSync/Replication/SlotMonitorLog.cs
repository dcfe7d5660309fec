using Microsoft.Extensions.Logging;

namespace WalSync.Replication;

internal static partial class SlotMonitorLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Reading the WAL position and the slot failed: {Error}")]
    public static partial void PollFailed(ILogger logger, string error);
}

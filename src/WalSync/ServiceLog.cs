using Microsoft.Extensions.Logging;

namespace WalSync;

internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Stopped before the first copy was finished: nothing of it counts, and the next start copies the tables again from the beginning (slot {Slot} is created only after a complete copy)")]
    public static partial void StoppedDuringCopy(ILogger logger, string slot);
}

using Microsoft.Extensions.Logging;

namespace WalSync.Pipeline;

internal static partial class PipelineSupervisorLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The pipeline stopped on a transient error ({Error}); reconnecting in {Delay} (attempt {Attempt})")]
    public static partial void Restarting(ILogger logger, string error, TimeSpan delay, int attempt);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Slot {Slot} is in use by PostgreSQL process {Pid}; waiting as a standby until it is free")]
    public static partial void WaitingForSlot(ILogger logger, string slot, int pid);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "--resnapshot: dropping slot {Slot}; the tables are copied again")]
    public static partial void DroppingSlot(ILogger logger, string slot);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Heartbeat failed: {Error}")]
    public static partial void HeartbeatFailed(ILogger logger, string error);
}

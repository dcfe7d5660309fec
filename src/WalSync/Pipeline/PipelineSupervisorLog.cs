using Microsoft.Extensions.Logging;

namespace WalSync.Pipeline;

internal static partial class PipelineSupervisorLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "{Error}; trying again in {Delay} (attempt {Attempt})")]
    public static partial void Restarting(ILogger logger, string error, string delay, int attempt);
}

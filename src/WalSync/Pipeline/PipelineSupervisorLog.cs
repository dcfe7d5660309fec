using Microsoft.Extensions.Logging;

namespace WalSync.Pipeline;

internal static partial class PipelineSupervisorLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The pipeline stopped on a transient error ({Error}); reconnecting in {DelaySeconds:0.#} s (attempt {Attempt})")]
    public static partial void Restarting(ILogger logger, string error, double delaySeconds, int attempt);
}

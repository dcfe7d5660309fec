using Microsoft.Extensions.Logging;

namespace WalSync.Cli.Hosting;

internal static partial class CliLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "{Message}")]
    public static partial void ConfigurationError(ILogger logger, string message);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Critical, Message = "WalSync stopped on an error: {Message}")]
    public static partial void Failed(ILogger logger, Exception exception, string message);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Graceful stop took longer than ShutdownTimeout ({Timeout}); exiting without acknowledging the rest, which PostgreSQL will send again")]
    public static partial void ShutdownTimedOut(ILogger logger, string timeout);
}

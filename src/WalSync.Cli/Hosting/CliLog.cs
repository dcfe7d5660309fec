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

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "HTTP listener on {Addresses}: /metrics /healthz /readyz /status /wait (Http:ApiKey {Key})")]
    public static partial void Listening(ILogger logger, string addresses, string key);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Exporting traces, metrics and logs over OTLP to {Endpoint} ({Protocol}) as service {Service}")]
    public static partial void ExportingOtlp(ILogger logger, string endpoint, string protocol, string service);
}

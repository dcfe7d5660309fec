using Microsoft.Extensions.Logging;

namespace WalSync.Pipeline;

internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Flushed {Rows} changes to {Collections} collections in {Seconds:F3} s; transaction end LSN {TransactionEndLsn}")]
    public static partial void Flushed(ILogger logger, int rows, int collections, double seconds, NpgsqlTypes.NpgsqlLogSequenceNumber transactionEndLsn);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Stopping: flushing what is in flight")]
    public static partial void Draining(ILogger logger);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Stopped; {Position}")]
    public static partial void Stopped(ILogger logger, string position);
}

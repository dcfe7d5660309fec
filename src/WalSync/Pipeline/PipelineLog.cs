using Microsoft.Extensions.Logging;
using NpgsqlTypes;

namespace WalSync.Pipeline;

internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "First start: copying {Tables} in snapshot {Snapshot}")]
    public static partial void SnapshotStarted(ILogger logger, string tables, string snapshot);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Snapshot copy done: {Rows} rows are in Typesense; slot {Slot} created at {ConsistentPoint}")]
    public static partial void SnapshotFinished(ILogger logger, long rows, string slot, NpgsqlLogSequenceNumber consistentPoint);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Stopping: flushing what is in flight")]
    public static partial void Draining(ILogger logger);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Stopped; {Position}")]
    public static partial void Stopped(ILogger logger, string position);
}

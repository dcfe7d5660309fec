using Microsoft.Extensions.Logging;

namespace WalSync.Sink;

internal static partial class SinkLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Created collection {Collection} for {Table} with {FieldCount} fields")]
    public static partial void CollectionCreated(ILogger logger, string collection, string table, int fieldCount);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Altered collection {Collection}: {Changes}")]
    public static partial void CollectionAltered(ILogger logger, string collection, string changes);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Count} documents of {Collection} went to the dead-letter store; first: {FirstError}")]
    public static partial void DeadLettered(ILogger logger, int count, string collection, string firstError);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Alias {Alias} now serves {Version} (it served {Previous})")]
    public static partial void AliasMoved(ILogger logger, string alias, string previous, string version);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "{Collection} keeps serving the documents it has, without new changes, until a rebuilt version replaces it: {Reason}")]
    public static partial void VersionFrozen(ILogger logger, string collection, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Dropped {Version}, an old version of {Alias}")]
    public static partial void VersionDropped(ILogger logger, string version, string alias);
}

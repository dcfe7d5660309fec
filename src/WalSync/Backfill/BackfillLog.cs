using Microsoft.Extensions.Logging;

namespace WalSync.Backfill;

internal static partial class BackfillLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Backfill of {Table} into {Collection} starts after {Start}; about {Estimate} rows")]
    public static partial void Started(ILogger logger, string table, string collection, string start, long estimate);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Backfill of {Table} into {Collection}: {Rows} of about {Estimate} rows, {RowsPerSecond:F0} rows/s")]
    public static partial void Progress(ILogger logger, string table, string collection, long rows, long estimate, double rowsPerSecond);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Backfill of {Table} into {Collection} done: {Rows} rows in {Seconds:F1} s")]
    public static partial void Finished(ILogger logger, string table, string collection, long rows, double seconds);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Backfill of {Table} into {Collection}: the sequential scan stopped at page {Page} of {Pages} ({Reason}); going on in ranges of pages")]
    public static partial void ScanStopped(ILogger logger, string table, string collection, long page, long pages, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Backfill of {Table} into {Collection}: the table was rewritten (VACUUM FULL, CLUSTER, TRUNCATE or a rewriting ALTER), so its rows moved; reading it again from its first page")]
    public static partial void Rewritten(ILogger logger, string table, string collection);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "{Table}: {Reason}; filling {Collection} while {Live} keeps serving")]
    public static partial void Rebuilding(ILogger logger, string table, string reason, string collection, string live);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Rebuild of {Table} waits until everything committed before it was asked for (through {Lsn}) is searchable; the stream is at {Searchable}")]
    public static partial void RebuildWaitsForTheStream(ILogger logger, string table, NpgsqlTypes.NpgsqlLogSequenceNumber lsn, NpgsqlTypes.NpgsqlLogSequenceNumber searchable);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Backfill of {Table} waits for {Count} transactions that the stream delivered but that are not visible yet (a synchronous standby has not confirmed them: see synchronous_standby_names); it reads its first chunk once they are")]
    public static partial void WaitsForHiddenCommits(ILogger logger, string table, int count);
}

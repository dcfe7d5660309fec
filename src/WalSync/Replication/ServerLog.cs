using Microsoft.Extensions.Logging;

namespace WalSync.Replication;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Connected to PostgreSQL {ServerVersion}")]
    public static partial void Connected(ILogger logger, string serverVersion);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "PostgreSQL {ServerVersion} is newer than any version WalSync was tested on (up to {NewestTestedMajor})")]
    public static partial void UntestedVersion(ILogger logger, string serverVersion, int newestTestedMajor);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Slot {Slot} is a failover slot: standbys with sync_replication_slots = on keep it for a promotion")]
    public static partial void Enabled(ILogger logger, string slot);
}

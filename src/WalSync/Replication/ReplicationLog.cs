using Microsoft.Extensions.Logging;
using NpgsqlTypes;

namespace WalSync.Replication;

internal static partial class ReplicationLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Streaming from slot {Slot} (publication {Publication}, {ValueFormat} values) from where it was last acknowledged; transactions larger than logical_decoding_work_mem: {LargeTransactions}")]
    public static partial void StreamingStarted(ILogger logger, string slot, string publication, string valueFormat, string largeTransactions);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Debug, Message = "Replaying transaction {TransactionId}, streamed before its commit ({Bytes} bytes kept)")]
    public static partial void ReplayingStreamedTransaction(ILogger logger, uint transactionId, long bytes);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Relation {Relation} (OID {RelationId}) has {ColumnCount} published columns, replica identity {ReplicaIdentity}")]
    public static partial void RelationReceived(ILogger logger, string relation, uint relationId, int columnCount, ReplicaIdentity replicaIdentity);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Acknowledged LSN {Lsn} to PostgreSQL")]
    public static partial void Acknowledged(ILogger logger, NpgsqlLogSequenceNumber lsn);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Stopped reading from slot {Slot}")]
    public static partial void StoppedReading(ILogger logger, string slot);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Ignoring pgoutput message {MessageType}: WalSync does not request it")]
    public static partial void UnexpectedMessage(ILogger logger, string messageType);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Created slot {Slot} at consistent point {ConsistentPoint}")]
    public static partial void SlotCreated(ILogger logger, string slot, NpgsqlLogSequenceNumber consistentPoint);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Resuming slot {Slot} at LSN {ConfirmedFlushLsn}, the last position acknowledged to PostgreSQL")]
    public static partial void SlotResumed(ILogger logger, string slot, NpgsqlLogSequenceNumber? confirmedFlushLsn);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Created publication {Publication} for {Tables}")]
    public static partial void PublicationCreated(ILogger logger, string publication, string tables);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Received the commit of a transaction ending at {TransactionEndLsn}")]
    public static partial void CommitReceived(ILogger logger, NpgsqlLogSequenceNumber transactionEndLsn);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Could not acknowledge LSN {Lsn}: {Error}")]
    public static partial void AcknowledgeFailed(ILogger logger, NpgsqlLogSequenceNumber lsn, string error);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Publication {Publication} filters {Table} with {RowFilter}: only those rows become documents")]
    public static partial void PublicationRowFilter(ILogger logger, string publication, string table, string rowFilter);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Publication {Publication} publishes {Published} of the {Total} columns of {Table}: only those become fields")]
    public static partial void PublicationColumnList(ILogger logger, string publication, string table, int published, int total);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Slot {Slot} is in use by PostgreSQL process {Pid}; waiting as a standby until it is free")]
    public static partial void WaitingForSlot(ILogger logger, string slot, int pid);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "--resnapshot: dropping slot {Slot}; the tables are copied again")]
    public static partial void DroppingSlot(ILogger logger, string slot);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Debug, Message = "Heartbeat failed: {Error}")]
    public static partial void HeartbeatFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Information, Message = "Added {Table} to publication {Publication}")]
    public static partial void PublicationTableAdded(ILogger logger, string publication, string table);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "{Table}: {Reason}; rebuilding its collection from the table")]
    public static partial void SilentChange(ILogger logger, string table, string reason);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "{Table}: partition {Partition} was {Change} without rows the stream did not carry; nothing to rebuild")]
    public static partial void EmptyPartition(ILogger logger, string table, string partition, string change);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "{Table}: {Explanation}")]
    public static partial void GeneratedColumnsMissing(ILogger logger, string table, string explanation);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information,
        Message = "{Table}: the generated column(s) {Columns} are not in the stream; they are read back by key at each flush (Tables[]:ReadBackGeneratedColumns)")]
    public static partial void GeneratedColumnsReadBack(ILogger logger, string table, string columns);


    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Streaming text values although Postgres:BinaryValues is on: {Reason}")]
    public static partial void TextValuesBecause(ILogger logger, string reason);
}

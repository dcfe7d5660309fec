using NpgsqlTypes;

namespace WalSync.Replication;

/// <summary>What the checkpointer needs from the replication reader to acknowledge safely.</summary>
public interface IReplicationProgress
{
    /// <summary>Changes (including commits) written to the channel so far.</summary>
    long EventsWritten { get; }

    /// <summary>True between a Begin and the moment its Commit is in the channel.</summary>
    bool InTransaction { get; }

    /// <summary>The last WAL position the server reported (XLogData or keepalive); <see cref="NpgsqlLogSequenceNumber.Invalid"/> before streaming.</summary>
    NpgsqlLogSequenceNumber LastReceivedLsn { get; }

    /// <summary>Sets the flush LSN PostgreSQL may forget WAL up to, and sends a standby status update now.</summary>
    /// <remarks>Only the flush field moves a logical slot (walsender.c ProcessStandbyReplyMessage).</remarks>
    /// <returns>False when the stream is gone and nothing was sent: PostgreSQL will resend from its last position.</returns>
    Task<bool> AcknowledgeAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken);
}

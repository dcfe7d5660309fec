using System.Threading.Channels;
using NpgsqlTypes;

namespace WalSync.Replication;

/// <summary>
/// The stream side of the pipeline: writes decoded changes to the channel, and tells the checkpointer what it may
/// acknowledge. <see cref="ReplicationReader"/> is the one implementation; tests use their own.
/// </summary>
internal interface IChangeSource
{
    /// <summary>True between a Begin and the moment its Commit is in the channel, and while any transaction streamed before
    /// its commit is kept (the server reports its end before the transaction reaches the channel).</summary>
    bool InTransaction { get; }

    /// <summary>The end LSN of the last transaction whose Commit is in the channel; <see cref="NpgsqlLogSequenceNumber.Invalid"/>
    /// before the first. Set before <see cref="InTransaction"/> turns false.</summary>
    NpgsqlLogSequenceNumber LastCommitWritten { get; }

    /// <summary>The last WAL position the server reported (XLogData or keepalive); <see cref="NpgsqlLogSequenceNumber.Invalid"/> before streaming.</summary>
    NpgsqlLogSequenceNumber LastReceivedLsn { get; }

    /// <summary>Writes changes to <paramref name="writer"/> until <paramref name="stopReading"/> is cancelled (it stops at a
    /// transaction boundary and returns) or the stream fails (it throws). It does not complete the writer.</summary>
    /// <exception cref="Npgsql.NpgsqlException">The connection or the replication stream failed.</exception>
    Task RunAsync(ChannelWriter<ChangeEvent> writer, CancellationToken stopReading);

    /// <summary>Tells PostgreSQL that everything before <paramref name="lsn"/> is written, and sends it now.</summary>
    /// <remarks>Only the flush field moves a logical slot (walsender.c ProcessStandbyReplyMessage).</remarks>
    /// <returns>False when the stream is gone and nothing was sent: PostgreSQL will resend from its last position.</returns>
    Task<bool> AcknowledgeAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken);
}

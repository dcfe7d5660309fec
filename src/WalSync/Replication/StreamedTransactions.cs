using System.Buffers.Binary;
using NpgsqlTypes;

namespace WalSync.Replication;

/// <summary>
/// Takes the messages of transactions that PostgreSQL streams while they are in progress (pgoutput <c>streaming</c>,
/// protocol 2) and keeps each transaction in a <see cref="TransactionSpool"/> until its Stream Commit,
/// when the reader replays it as if it had come whole at its commit, or its Stream Abort, when it is dropped.
/// Not thread-safe: used by the reading loop only.
/// </summary>
/// <remarks>
/// PostgreSQL streams a transaction once its changes outgrow <c>logical_decoding_work_mem</c>, instead of spilling them
/// to files under <c>pg_replslot</c> and reading them back at the commit (the WAL sender's main cost on big
/// transactions; benchmarks/README.md, "Streamed transactions"). Message formats:
/// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html (Stream Start, Stop, Commit, Abort; inside
/// a stream every message carries the (sub)transaction id after its type byte). Replaying at the commit keeps the
/// order of changes the same as without streaming, so batches, acknowledgements and backfill watermarks see no
/// difference; Relation messages inside a stream take effect at the replay, as PostgreSQL's own subscriber applies them.
/// </remarks>
internal sealed class StreamedTransactions : IDisposable
{
    private readonly Dictionary<uint, TransactionSpool> _spools = [];
    private readonly string _directory;

    /// <summary>The transaction of the current stream block (between Stream Start and Stream Stop); null outside one.</summary>
    private TransactionSpool? _current;

    /// <summary>Creates the handler; transactions are kept in files in <paramref name="directory"/>.</summary>
    public StreamedTransactions(string directory) => _directory = directory;

    /// <summary>The transactions streamed in part and not yet committed or aborted.</summary>
    public int InProgress => _spools.Count;

    /// <summary>A committed streamed transaction, to be replayed: <see cref="Begin"/>, the spool's messages, <see cref="Commit"/>.</summary>
    /// <param name="Spool">The transaction's messages; the caller disposes it after the replay.</param>
    /// <param name="Begin">A Begin message for the transaction, as pgoutput sends one for a transaction that is not streamed.</param>
    /// <param name="Commit">Its Commit message, likewise.</param>
    public sealed record Committed(TransactionSpool Spool, byte[] Begin, byte[] Commit);

    /// <summary>Takes <paramref name="message"/> if it belongs to streaming.</summary>
    /// <param name="message">A pgoutput message, from its type byte.</param>
    /// <param name="walEnd">The XLogData's WAL end.</param>
    /// <param name="committed">Set by a Stream Commit: the transaction to replay.</param>
    /// <returns>False when the message is not part of a streamed transaction and is to be decoded as usual.</returns>
    /// <exception cref="FormatException">A stream message is cut short, or names a transaction whose start was not streamed.</exception>
    /// <exception cref="IOException">The temporary file could not be written (e.g. the disk is full).</exception>
    public bool TryTake(ReadOnlySpan<byte> message, NpgsqlLogSequenceNumber walEnd, out Committed? committed)
    {
        committed = null;
        if (message.IsEmpty)
        {
            return false;
        }
        var type = message[0];
        if (_current is not null && type != (byte)'E')
        {
            // Stream Start may be followed by an Origin message, which has no transaction id and is not needed.
            if (type != (byte)'O')
            {
                _current.Append(TransactionIdAt(message, 1), type, message[5..], walEnd);
            }
            return true;
        }
        switch (type)
        {
            case (byte)'S': // Int32 xid, Int8 1 if this is the transaction's first block
                var started = TransactionIdAt(message, 1);
                var first = message.Length > 5 && message[5] == 1;
                if (first && _spools.Remove(started, out var stale))
                {
                    stale.Dispose();
                }
                if (!_spools.TryGetValue(started, out _current))
                {
                    // A later block of a transaction whose first one this connection never saw would hand on a part of it.
                    _current = first ? new TransactionSpool(started, _directory)
                        : throw new FormatException($"pgoutput continued streaming transaction {started} without its first block.");
                    _spools.Add(started, _current);
                }
                return true;
            case (byte)'E':
                _current = null;
                return true;
            case (byte)'A': // Int32 xid, Int32 subtransaction xid (the xid itself when the whole transaction aborted)
                var aborted = TransactionIdAt(message, 1);
                var subtransaction = TransactionIdAt(message, 5);
                if (aborted == subtransaction)
                {
                    if (_spools.Remove(aborted, out var spool))
                    {
                        spool.Dispose();
                    }
                }
                else if (_spools.TryGetValue(aborted, out var parent))
                {
                    parent.AbortSubtransaction(subtransaction);
                }
                return true;
            case (byte)'c': // Int32 xid, then as Commit: Int8 flags, Int64 commit LSN, Int64 end LSN, Int64 commit time
                var xid = TransactionIdAt(message, 1);
                if (message.Length < 30)
                {
                    throw new FormatException("pgoutput sent a Stream Commit message shorter than 30 bytes.");
                }
                if (!_spools.Remove(xid, out var done))
                {
                    throw new FormatException($"pgoutput sent a Stream Commit of transaction {xid}, which it had not streamed.");
                }
                // Begin: Int64 final LSN, Int64 commit time, Int32 xid.
                var begin = new byte[21];
                begin[0] = (byte)'B';
                message.Slice(6, 8).CopyTo(begin.AsSpan(1));
                message.Slice(22, 8).CopyTo(begin.AsSpan(9));
                message.Slice(1, 4).CopyTo(begin.AsSpan(17));
                var commit = new byte[26];
                commit[0] = (byte)'C';
                message.Slice(5, 25).CopyTo(commit.AsSpan(1));
                committed = new Committed(done, begin, commit);
                return true;
            default:
                return false;
        }
    }

    private static uint TransactionIdAt(ReadOnlySpan<byte> message, int offset) => message.Length >= offset + 4
        ? BinaryPrimitives.ReadUInt32BigEndian(message[offset..])
        : throw new FormatException($"pgoutput sent a '{(char)message[0]}' message too short for its transaction id.");

    /// <summary>Drops every transaction still in progress; the server streams them again after a reconnect.</summary>
    public void Dispose()
    {
        foreach (var spool in _spools.Values)
        {
            spool.Dispose();
        }
        _spools.Clear();
        _current = null;
    }
}

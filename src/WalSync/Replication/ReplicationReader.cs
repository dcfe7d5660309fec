using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql.Replication;
using Npgsql.Replication.Internal;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Replication;

/// <summary>
/// Streams the slot with pgoutput and turns every message into <see cref="ChangeEvent"/>s that own their data.
/// It never acknowledges on its own: the checkpointer calls <see cref="AcknowledgeAsync"/> after a flush.
/// </summary>
/// <remarks>
/// Npgsql reuses its message objects and skips unread data on the next MoveNextAsync
/// (https://www.npgsql.org/doc/replication.html), so each XLogData message is copied out and decoded by
/// <see cref="PgOutputDecoder"/> into row images before advancing.
/// Stopping goes through the cancellation token: leaving the loop alone would keep the connection in replication state.
/// </remarks>
internal sealed class ReplicationReader : IChangeSource, IAsyncDisposable
{
    /// <summary>How long reading pauses after it had to wait for the server (see the reading loop).</summary>
    private static readonly TimeSpan CatchUpPause = TimeSpan.FromMilliseconds(1);


    private readonly PostgresOptions _options;
    private readonly ILogger _logger;
    private readonly SyncState? _state;
    private readonly Action<RelationInfo>? _relationReceived;
    private readonly PgOutputDecoder _decoder;
    private readonly bool _binary;
    private readonly CancellationTokenSource _replication = new();

    /// <summary>Guards the connection against use after dispose; written by the reading loop, read by the checkpointer.</summary>
    private volatile LogicalReplicationConnection? _connection;

    /// <summary>Relations known from the catalog, used until the first Relation message replaces them.</summary>
    private readonly IEnumerable<RelationInfo> _relations;

    /// <summary>Written only by the reading loop (before <see cref="_inTransaction"/> turns false); read by the checkpointer.</summary>
    private ulong _lastCommitWritten;

    /// <summary>Written only by the reading loop; read by the checkpointer.</summary>
    private volatile bool _inTransaction;

    /// <summary>True while a streamed transaction is kept here: from its first block until its replay has written its
    /// Commit. Written only by the reading loop; read by the checkpointer.</summary>
    private volatile bool _streamedInProgress;

    /// <summary>The MoveNextAsync left pending when reading stopped; awaited after replication is cancelled.</summary>
    private Task? _pendingRead;

    /// <summary>The bytes of the message being decoded. Used only by the reading loop.</summary>
    private readonly MessageBuffer _message = new();

    /// <summary>Transactions the server streams before their commit; null when streaming is off. Used only by the reading loop.</summary>
    private StreamedTransactions? _streamed;

    /// <summary>Creates a reader for the configured slot and publication.</summary>
    /// <param name="options">The connection, slot and publication.</param>
    /// <param name="relations">The configured tables' relations from the catalog, used until the first Relation message.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="state">Told of each transaction handed on, for the lag in seconds; none when null.</param>
    /// <param name="relationReceived">Given each Relation message's relation, in the reading loop (it must not block); none when null.</param>
    /// <param name="binaryTypes">The binary forms of the published columns' types (<see cref="BinaryTypes"/>) to ask
    /// for binary values; null for text.</param>
    /// <param name="rows">Where the new rows of inserts and updates get their arrays (<see cref="PgOutputDecoder"/>); null: each its own.</param>
    public ReplicationReader(PostgresOptions options, IEnumerable<RelationInfo> relations, ILogger logger, SyncState? state = null,
        Action<RelationInfo>? relationReceived = null, IReadOnlyDictionary<uint, BinaryType>? binaryTypes = null, RowImagePool? rows = null)
    {
        _decoder = new PgOutputDecoder(binaryTypes, rows);
        _binary = binaryTypes is not null;
        _state = state;
        _relationReceived = relationReceived;
        _options = options;
        _relations = relations;
        _logger = logger;
    }

    /// <inheritdoc/>
    public NpgsqlLogSequenceNumber LastCommitWritten => new(Volatile.Read(ref _lastCommitWritten));

    /// <inheritdoc/>
    public bool InTransaction => _streamedInProgress || _inTransaction;

    /// <inheritdoc/>
    public NpgsqlLogSequenceNumber LastReceivedLsn => _connection?.LastReceivedLsn ?? NpgsqlLogSequenceNumber.Invalid;

    /// <summary>
    /// Reads the slot and writes changes to <paramref name="writer"/> until <paramref name="stopReading"/> is cancelled
    /// (it then returns, leaving replication open so that a last acknowledgement can still be sent) or the stream fails
    /// (it throws). It does not complete the writer.
    /// </summary>
    /// <param name="writer">The bounded channel to the batcher; a full channel pauses reading.</param>
    /// <param name="stopReading">Stops reading: at the end of the current transaction if its messages are already
    /// here and the channel has room, otherwise at once (the partial transaction is never acknowledged).</param>
    /// <exception cref="Npgsql.NpgsqlException">The connection or the replication stream failed.</exception>
    /// <exception cref="Npgsql.PostgresException">The server refused (slot in use, slot invalidated, no privilege).</exception>
    public async Task RunAsync(ChannelWriter<ChangeEvent> writer, CancellationToken stopReading)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var relation in _relations)
        {
            _decoder.AddRelation(relation);
        }
        var connectionString = await ReplicationHost.ConnectionStringAsync(_options.ConnectionString, "walsync", stopReading);
        var connection = new LogicalReplicationConnection(
            SessionSettings.WithReadBuffer(SessionSettings.WithDecodingWorkMem(connectionString, _options.LogicalDecodingWorkMem)))
        {
            // Npgsql 10.0.0 fails at start with an infinite timeout (npgsql#6456); Npgsql pings at half of it when idle.
            WalReceiverTimeout = TimeSpan.FromSeconds(60),
            WalReceiverStatusInterval = TimeSpan.FromSeconds(10),
        };
        _connection = connection;
        await connection.Open(stopReading);
        var protocol = connection.PostgreSqlVersion.Major >= 14 ? 2 : 1;
        var binary = _binary && protocol >= 2;
        if (_options.StreamLargeTransactions && protocol >= 2)
        {
            _streamed = new StreamedTransactions(Path.GetTempPath());
        }
        ReplicationLog.StreamingStarted(_logger, _options.Slot, _options.Publication, binary ? "binary" : "text",
            _streamed is null ? "spilled to disk by the server" : $"streamed before their commit, kept in {TransactionSpool.Describe(Path.GetTempPath()).Description} until then");
        // pgoutput messages are decoded from their bytes (PgOutputDecoder): Npgsql's per-value reading cost several times more.
        var messages = connection.StartLogicalReplication(new PgOutputReplicationSlot(_options.Slot), _replication.Token,
                options: PgOutputDecoder.Options(_options.Publication, protocol, binary, _streamed is not null))
            .GetAsyncEnumerator(_replication.Token);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = stopReading.Register(() => stopped.TrySetResult());
        var caughtUp = false;
        while (true)
        {
            // A stop ends reading at a transaction boundary, or as soon as the next message would have to be waited for.
            if (stopReading.IsCancellationRequested && !_inTransaction)
            {
                break;
            }
            var next = messages.MoveNextAsync();
            bool hasMessage;
            if (next.IsCompletedSuccessfully)
            {
                hasMessage = next.Result;
            }
            else
            {
                // Waiting for the server: a stop request must not wait for the next message.
                var pending = next.AsTask();
                if (await Task.WhenAny(pending, stopped.Task) != pending)
                {
                    _pendingRead = pending;
                    break;
                }
                hasMessage = await pending;
                caughtUp = true;
            }
            if (!hasMessage)
            {
                break;
            }
            var message = messages.Current;
            await HandleAsync(await _message.ReadAsync(message.Data, _replication.Token), message.WalEnd, writer, stopReading);
            if (caughtUp)
            {
                // Caught up with the server, which then sends each message on its own: pausing lets the next ones
                // gather in the socket so that they are read together, not with a wake-up each.
                caughtUp = false;
                await Task.Delay(CatchUpPause, CancellationToken.None);
            }
        }
        ReplicationLog.StoppedReading(_logger, _options.Slot);
    }

    private async ValueTask HandleAsync(ReadOnlyMemory<byte> bytes, NpgsqlLogSequenceNumber walEnd, ChannelWriter<ChangeEvent> writer,
        CancellationToken cancellationToken)
    {
        if (_streamed is not null && _streamed.TryTake(bytes.Span, walEnd, out var committed))
        {
            if (committed is not null)
            {
                await ReplayAsync(committed, walEnd, writer, cancellationToken);
            }
            // Turned false only after the replay: the server reports a Stream Commit's WAL end (the transaction's end)
            // before it is read, and no idle acknowledgement may pass it until its Commit is in the channel.
            _streamedInProgress = _streamed.InProgress > 0;
            return;
        }
        switch (_decoder.Decode(bytes.Span, walEnd, out var change))
        {
            case PgOutputMessageKind.Begin:
                _inTransaction = true;
                break;
            case PgOutputMessageKind.Relation:
                var info = _decoder.LastRelation!;
                ReplicationLog.RelationReceived(_logger, info.QualifiedName, info.RelationId, info.Columns.Count, info.ReplicaIdentity);
                _relationReceived?.Invoke(info);
                break;
            case PgOutputMessageKind.Change:
                await WriteAsync(writer, change, cancellationToken);
                break;
            case PgOutputMessageKind.Commit:
                await WriteAsync(writer, change, cancellationToken);
                Volatile.Write(ref _lastCommitWritten, (ulong)change.TransactionEndLsn);
                _inTransaction = false;
                _state?.CommitReceived(change.TransactionEndLsn, change.CommitTimestamp);
                ReplicationLog.CommitReceived(_logger, change.TransactionEndLsn);
                break;
            case PgOutputMessageKind.Unknown:
                ReplicationLog.UnexpectedMessage(_logger, $"'{(char)bytes.Span[0]}'");
                break;
            default:
                // Types are resolved from the catalog; heartbeat messages only move LastReceivedLsn.
                break;
        }
    }


    // A streamed transaction goes on as if it had come whole at its commit, as the server sends one that is not streamed.
    private async ValueTask ReplayAsync(StreamedTransactions.Committed committed, NpgsqlLogSequenceNumber commitWalEnd,
        ChannelWriter<ChangeEvent> writer, CancellationToken cancellationToken)
    {
        using var spool = committed.Spool;
        ReplicationLog.ReplayingStreamedTransaction(_logger, spool.TransactionId, spool.Bytes);
        await HandleAsync(committed.Begin, commitWalEnd, writer, cancellationToken);
        spool.Rewind();
        while (spool.TryRead(out var message, out var walEnd))
        {
            await HandleAsync(message, walEnd, writer, cancellationToken);
        }
        await HandleAsync(committed.Commit, commitWalEnd, writer, cancellationToken);
    }

    // Changes are counted by table and kind once per batch (SyncPipeline), not here for each one.
    private static async ValueTask WriteAsync(ChannelWriter<ChangeEvent> writer, ChangeEvent change, CancellationToken cancellationToken)
    {
        if (!writer.TryWrite(change))
        {
            await writer.WriteAsync(change, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> AcknowledgeAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (connection is null)
        {
            return false;
        }
        try
        {
            connection.SetReplicationStatus(lsn);
            await connection.SendStatusUpdate(cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException or ObjectDisposedException)
        {
            // The stream broke (server restart, terminated walsender): the reconnect resumes from the last sent position.
            ReplicationLog.AcknowledgeFailed(_logger, lsn, e.Message);
            return false;
        }
        ReplicationLog.Acknowledged(_logger, lsn);
        return true;
    }

    /// <summary>Ends replication (through the cancellation token, as Npgsql requires) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _replication.CancelAsync();
        if (_pendingRead is not null)
        {
            try
            {
                await _pendingRead;
            }
            catch (Exception e) when (e is OperationCanceledException or Npgsql.NpgsqlException)
            {
                // The cancellation we asked for; whatever that read returned was never acknowledged.
            }
        }
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
        _streamed?.Dispose();
        _replication.Dispose();
    }
}

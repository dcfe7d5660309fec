using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Telemetry;

namespace WalSync.Replication;

/// <summary>
/// Streams the slot with pgoutput and turns every message into <see cref="ChangeEvent"/>s that own their data.
/// It never acknowledges on its own: the checkpointer calls <see cref="AcknowledgeAsync"/> after a flush.
/// </summary>
/// <remarks>
/// Npgsql reuses message, tuple and value objects, and skips unread row data on the next MoveNextAsync
/// (https://www.npgsql.org/doc/replication.html), so each row is copied into a <see cref="RowImage"/> before advancing.
/// Stopping goes through the cancellation token: leaving the loop alone would keep the connection in replication state.
/// </remarks>
public sealed class ReplicationReader : IReplicationProgress, IAsyncDisposable
{
    /// <summary>How long reading pauses after it had to wait for the server (see the reading loop).</summary>
    private static readonly TimeSpan CatchUpPause = TimeSpan.FromMilliseconds(1);

    private readonly PostgresOptions _options;
    private readonly ILogger _logger;
    private readonly RowImageBuilder _builder = new();
    private readonly Dictionary<uint, RelationInfo> _relations = [];
    private readonly CancellationTokenSource _replication = new();

    /// <summary>Guards the connection against use after dispose; written by the reading loop, read by the checkpointer.</summary>
    private volatile LogicalReplicationConnection? _connection;

    /// <summary>Written only by the reading loop; read by the checkpointer.</summary>
    private long _eventsWritten;

    /// <summary>Written only by the reading loop; read by the checkpointer.</summary>
    private volatile bool _inTransaction;

    /// <summary>The MoveNextAsync left pending when reading stopped; awaited after replication is cancelled.</summary>
    private Task? _pendingRead;

    /// <summary>Creates a reader for the configured slot and publication.</summary>
    public ReplicationReader(PostgresOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc/>
    public long EventsWritten => Volatile.Read(ref _eventsWritten);

    /// <inheritdoc/>
    public bool InTransaction => _inTransaction;

    /// <inheritdoc/>
    public NpgsqlLogSequenceNumber LastReceivedLsn => _connection?.LastReceivedLsn ?? NpgsqlLogSequenceNumber.Invalid;

    /// <summary>
    /// Reads the slot and writes changes to <paramref name="writer"/> until <paramref name="stopReading"/> is cancelled
    /// (it then returns, leaving replication open so that a last acknowledgement can still be sent) or the stream fails
    /// (it throws). It does not complete the writer.
    /// </summary>
    /// <param name="writer">The bounded channel to the batcher; a full channel pauses reading.</param>
    /// <param name="relations">Relations known from the catalog, used until the first Relation message replaces them.</param>
    /// <param name="stopReading">Stops reading: at the end of the current transaction if its messages are already
    /// here and the channel has room, otherwise at once (the partial transaction is never acknowledged).</param>
    /// <exception cref="Npgsql.NpgsqlException">The connection or the replication stream failed.</exception>
    /// <exception cref="Npgsql.PostgresException">The server refused (slot in use, slot invalidated, no privilege).</exception>
    public async Task RunAsync(ChannelWriter<ChangeEvent> writer, IEnumerable<RelationInfo> relations, CancellationToken stopReading)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var relation in relations)
        {
            _relations[relation.RelationId] = relation;
        }
        var connection = new LogicalReplicationConnection(SessionSettings.Apply(_options.ConnectionString, "walsync"))
        {
            // Npgsql 10.0.0 fails at start with an infinite timeout (npgsql#6456); Npgsql pings at half of it when idle.
            WalReceiverTimeout = TimeSpan.FromSeconds(60),
            WalReceiverStatusInterval = TimeSpan.FromSeconds(10),
        };
        _connection = connection;
        await connection.Open(stopReading);
        var protocol = connection.PostgreSqlVersion.Major >= 14 ? PgOutputProtocolVersion.V2 : PgOutputProtocolVersion.V1;
        var modern = protocol >= PgOutputProtocolVersion.V2;
        var options = new PgOutputReplicationOptions(_options.Publication, protocol, binary: false,
            streamingMode: modern ? PgOutputStreamingMode.Off : null, messages: modern ? true : null);
        ReplicationLog.StreamingStarted(_logger, _options.Slot, _options.Publication, "confirmed_flush_lsn");
        var messages = connection.StartReplication(new PgOutputReplicationSlot(_options.Slot), options, _replication.Token)
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
            await HandleAsync(messages.Current, writer, stopReading);
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

    private async ValueTask HandleAsync(PgOutputReplicationMessage message, ChannelWriter<ChangeEvent> writer, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case BeginMessage:
                _inTransaction = true;
                break;
            case RelationMessage relation:
                var info = Snapshot(relation);
                _relations[info.RelationId] = info;
                ReplicationLog.RelationReceived(_logger, info.QualifiedName, info.RelationId, info.Columns.Count, info.ReplicaIdentity);
                break;
            case InsertMessage insert:
                await WriteAsync(writer, new ChangeEvent
                {
                    Kind = ChangeKind.Insert, Relation = _relations[insert.Relation.RelationId],
                    NewRow = await ReadRowAsync(insert.NewRow), Lsn = message.WalEnd,
                }, cancellationToken);
                break;
            case UpdateMessage update:
                // The old part must be read before the new row: reading the new row skips it.
                var old = update switch
                {
                    FullUpdateMessage full => await ReadRowAsync(full.OldRow),
                    IndexUpdateMessage key => await ReadRowAsync(key.Key),
                    _ => default,
                };
                await WriteAsync(writer, new ChangeEvent
                {
                    Kind = ChangeKind.Update, Relation = _relations[update.Relation.RelationId], OldRow = old,
                    NewRow = await ReadRowAsync(update.NewRow), Lsn = message.WalEnd,
                }, cancellationToken);
                break;
            case DeleteMessage delete:
                var oldRow = delete switch
                {
                    FullDeleteMessage full => await ReadRowAsync(full.OldRow),
                    KeyDeleteMessage key => await ReadRowAsync(key.Key),
                    _ => default,
                };
                await WriteAsync(writer, new ChangeEvent
                {
                    Kind = ChangeKind.Delete, Relation = _relations[delete.Relation.RelationId], OldRow = oldRow, Lsn = message.WalEnd,
                }, cancellationToken);
                break;
            case TruncateMessage truncate:
                var truncated = new List<RelationInfo>();
                foreach (var relation in truncate.Relations)
                {
                    truncated.Add(_relations[relation.RelationId]);
                }
                await WriteAsync(writer, new ChangeEvent { Kind = ChangeKind.Truncate, TruncatedRelations = truncated, Lsn = message.WalEnd }, cancellationToken);
                break;
            case CommitMessage commit:
                await WriteAsync(writer, new ChangeEvent
                {
                    Kind = ChangeKind.Commit, Lsn = commit.TransactionEndLsn, CommitTimestamp = commit.TransactionCommitTimestamp,
                }, cancellationToken);
                _inTransaction = false;
                ReplicationLog.CommitReceived(_logger, commit.TransactionEndLsn);
                break;
            case TypeMessage:
            case OriginMessage:
            case LogicalDecodingMessage:
                // Types are resolved from the catalog; heartbeat messages only move LastReceivedLsn.
                break;
            default:
                ReplicationLog.UnexpectedMessage(_logger, message.GetType().Name);
                break;
        }
    }

    private async ValueTask WriteAsync(ChannelWriter<ChangeEvent> writer, ChangeEvent change, CancellationToken cancellationToken)
    {
        if (!writer.TryWrite(change))
        {
            await writer.WriteAsync(change, cancellationToken);
        }
        Interlocked.Increment(ref _eventsWritten);
        if (change.Kind is ChangeKind.Insert or ChangeKind.Update or ChangeKind.Delete)
        {
            WalSyncTelemetry.ChangesReceived.Add(1);
        }
    }

    /// <remarks>Not cancelled by a stop request: a half-read row would leave the protocol out of step.</remarks>
    private async ValueTask<RowImage> ReadRowAsync(ReplicationTuple tuple)
    {
        var cancellationToken = _replication.Token;
        _builder.Start(tuple.NumColumns);
        await foreach (var value in tuple.WithCancellation(cancellationToken))
        {
            switch (value.Kind)
            {
                case TupleDataKind.Null:
                    _builder.AddNull();
                    break;
                case TupleDataKind.UnchangedToastedValue:
                    _builder.AddUnchangedToast();
                    break;
                case TupleDataKind.TextValue:
                    var length = value.Length;
                    await using (var stream = value.GetStream())
                    {
                        await stream.ReadExactlyAsync(_builder.GetMemory(length)[..length], cancellationToken);
                    }
                    _builder.Advance(length);
                    break;
                default:
                    throw new InvalidOperationException($"pgoutput sent a {value.Kind} value, but WalSync requests text values only.");
            }
        }
        return _builder.Build();
    }

    private static RelationInfo Snapshot(RelationMessage message)
    {
        var columns = new ColumnInfo[message.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var column = message.Columns[i];
            columns[i] = new ColumnInfo(column.ColumnName, column.DataTypeId, column.TypeModifier,
                column.Flags.HasFlag(RelationMessage.Column.ColumnFlags.PartOfKey));
        }
        return new RelationInfo(message.RelationId, message.Namespace.Length == 0 ? "pg_catalog" : message.Namespace,
            message.RelationName, (char)message.ReplicaIdentity, columns);
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
        _replication.Dispose();
    }
}

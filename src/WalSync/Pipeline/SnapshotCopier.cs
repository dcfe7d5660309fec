using System.Data;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Telemetry;

namespace WalSync.Pipeline;

/// <summary>
/// The first start's copy: creates a temporary slot with an exported snapshot, writes every row of the configured
/// tables as seen in that snapshot into the channel, waits until they are flushed, then makes the permanent slot at the
/// same consistent point, so the copy and the stream meet exactly. If WalSync dies during the copy, the temporary slot
/// dies with it and the next start copies again.
/// </summary>
internal sealed class SnapshotCopier
{
    private readonly PostgresOptions _options;
    private readonly SourceDatabase _source;
    private readonly TableRegistry _tables;
    private readonly Checkpointer _checkpointer;
    private readonly ILogger _logger;

    /// <summary>Creates the copier.</summary>
    public SnapshotCopier(PostgresOptions options, SourceDatabase source, TableRegistry tables, Checkpointer checkpointer, ILogger logger)
    {
        _options = options;
        _source = source;
        _tables = tables;
        _checkpointer = checkpointer;
        _logger = logger;
    }

    /// <summary>Copies the tables into <paramref name="writer"/>. A stop while rows are being read abandons the copy (the
    /// next start copies again); once every row is read, only <paramref name="abort"/> interrupts it, so a graceful stop
    /// keeps the finished copy.</summary>
    /// <exception cref="PostgresException">The server refused the slot, the snapshot or a read.</exception>
    public async Task CopyAsync(ChannelWriter<ChangeEvent> writer, CancellationToken cancellationToken, CancellationToken abort)
    {
        await using var temporary = await TemporarySlot.CreateAsync(_options, cancellationToken);
        PipelineLog.SnapshotStarted(_logger, _tables.Bindings.Count == 1 ? "1 table" : $"{_tables.Bindings.Count} tables", temporary.SnapshotName);
        // Documents left from an earlier sync may belong to rows deleted since: the copy starts from empty collections.
        await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.Truncate, TruncatedRelations = _tables.Bindings.Select(b => b.Source.Relation).ToList() }, cancellationToken);
        long rows = 0;
        await using (var connection = await _source.DataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            await using (var command = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{temporary.SnapshotName}'", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var binding in _tables.Bindings)
            {
                long tableRows = 0;
                await foreach (var row in TableRowReader.ReadAllAsync(connection, binding.Source, cancellationToken))
                {
                    await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.Insert, Relation = binding.Source.Relation, NewRow = row }, cancellationToken);
                    tableRows++;
                }
                WalSyncTelemetry.ChangesReceived.Add(tableRows);
                ReplicationLog.TableCopied(_logger, binding.Source.Relation.QualifiedName, tableRows);
                rows += tableRows;
            }
            await transaction.CommitAsync(cancellationToken);
        }
        // The copy ends like a transaction ending at the consistent point: once it is flushed, the stream takes over there.
        await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.SnapshotEnd, TransactionEndLsn = temporary.ConsistentPoint }, abort);
        await _checkpointer.WaitForFlushedAsync(temporary.ConsistentPoint, abort);
        await _source.CopySlotAsync(temporary.Name, abort);
        PipelineLog.SnapshotFinished(_logger, rows, _options.Slot, temporary.ConsistentPoint);
    }
}

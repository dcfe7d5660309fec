using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// A temporary logical slot created with an exported snapshot, for the first start: the tables are copied inside
/// the snapshot, then the slot is copied to the permanent one (<see cref="SourceDatabase.CopySlotAsync"/>) at the same
/// consistent point. If WalSync dies during the copy, PostgreSQL drops the temporary slot with the session, so the
/// next start copies again instead of resuming a slot whose copy never finished.
/// </summary>
/// <remarks>The snapshot "is valid until a new command is executed on this connection or the replication connection
/// is closed" (https://www.postgresql.org/docs/15/protocol-replication.html): the connection stays idle until disposed.</remarks>
public sealed class TemporarySlot : IAsyncDisposable
{
    private readonly LogicalReplicationConnection _connection;

    private TemporarySlot(LogicalReplicationConnection connection, string name, string snapshotName, NpgsqlLogSequenceNumber consistentPoint)
    {
        _connection = connection;
        Name = name;
        SnapshotName = snapshotName;
        ConsistentPoint = consistentPoint;
    }

    /// <summary>The temporary slot's name.</summary>
    public string Name { get; }

    /// <summary>The exported snapshot to pass to <c>SET TRANSACTION SNAPSHOT</c>.</summary>
    public string SnapshotName { get; }

    /// <summary>The LSN from which the slot streams every transaction the snapshot does not show.</summary>
    public NpgsqlLogSequenceNumber ConsistentPoint { get; }

    /// <summary>Creates the temporary slot. Creation waits for transactions running at that moment to finish.</summary>
    /// <exception cref="Npgsql.PostgresException">The server refused (no REPLICATION attribute, max_replication_slots reached).</exception>
    public static async Task<TemporarySlot> CreateAsync(PostgresOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new LogicalReplicationConnection(
            await ReplicationHost.ConnectionStringAsync(options.ConnectionString, "walsync-snapshot", cancellationToken));
        try
        {
            await connection.Open(cancellationToken);
            // Slot creation waits for every transaction open at that moment: a long one must not time it out.
            connection.CommandTimeout = TimeSpan.FromMinutes(30);
            var name = $"walsync_init_{Environment.ProcessId}_{Random.Shared.Next(100_000)}";
            var slot = await connection.CreatePgOutputReplicationSlot(name, temporarySlot: true,
                slotSnapshotInitMode: LogicalSlotSnapshotInitMode.Export, cancellationToken: cancellationToken);
            return new TemporarySlot(connection, name, slot.SnapshotName!, slot.ConsistentPoint);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the connection; PostgreSQL drops the temporary slot and the snapshot with it.</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

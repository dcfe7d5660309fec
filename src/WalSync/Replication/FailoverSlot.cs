using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// Makes WalSync's slot a failover slot on PostgreSQL 17 and later, so that a standby with
/// <c>sync_replication_slots = on</c> keeps a copy of it and WalSync resumes from that copy after a promotion.
/// </summary>
/// <remarks>
/// The slot is made by <c>pg_copy_logical_replication_slot</c>, which does not carry <c>failover</c> over (and the
/// temporary slot it copies cannot have it), so the copy is altered with the replication command
/// <c>ALTER_REPLICATION_SLOT</c> (https://www.postgresql.org/docs/17/protocol-replication.html). Npgsql 10 has no method
/// for that command (npgsql#5772); its connector runs it like the commands it sends itself, which answer the same way
/// (CommandComplete, ReadyForQuery).
/// </remarks>
public static class FailoverSlot
{
    /// <summary>Sets <c>failover = true</c> on the configured slot, which must exist and be free. When the server refuses
    /// or cannot be reached, the command that fixes it is logged, and WalSync goes on without failover.</summary>
    /// <param name="options">The connection string and slot name.</param>
    /// <param name="logger">Where success or failure is logged.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>True when the slot is now a failover slot.</returns>
    public static async Task<bool> EnableAsync(PostgresOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var command = $"ALTER_REPLICATION_SLOT {SourceTable.QuoteIdentifier(options.Slot)} ( FAILOVER true )";
        try
        {
            await using var connection = new LogicalReplicationConnection(
                await ReplicationHost.ConnectionStringAsync(options.ConnectionString, "walsync-failover", cancellationToken));
            await connection.Open(cancellationToken);
            await ExecuteAsync(connection, command, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or MissingMemberException)
        {
            ServerLog.NotEnabled(logger, options.Slot, e.Message, command);
            return false;
        }
        ServerLog.Enabled(logger, options.Slot);
        return true;
    }

    private static async Task ExecuteAsync(ReplicationConnection connection, string command, CancellationToken cancellationToken)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        var connector = typeof(ReplicationConnection).GetProperty("Connector", Instance)?.GetValue(connection)
            ?? throw new MissingMemberException("Npgsql's ReplicationConnection has no Connector property");
        var execute = connector.GetType().GetMethod("ExecuteInternalCommand", Instance, [typeof(string), typeof(bool), typeof(CancellationToken)])
            ?? throw new MissingMemberException("Npgsql's connector has no ExecuteInternalCommand(string, bool, CancellationToken)");
        await (Task)execute.Invoke(connector, BindingFlags.DoNotWrapExceptions, null, [command, true, cancellationToken], null)!;
    }
}

using Microsoft.Extensions.Logging;
using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Writes a non-transactional logical decoding message in the slot's database every interval, so the slot has a
/// position to acknowledge even when the published tables and this database are idle (<c>Postgres:HeartbeatInterval</c>).
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION (pg_logical_emit_message)</remarks>
internal static class Heartbeat
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; a failed heartbeat is logged and the next one tried.</summary>
    public static async Task RunAsync(NpgsqlDataSource dataSource, TimeSpan interval, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var command = new NpgsqlCommand("SELECT pg_logical_emit_message(false, 'walsync_heartbeat', '')", connection);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (NpgsqlException e)
                {
                    // A failing heartbeat is no reason to stop: the stream's own errors decide that.
                    ReplicationLog.HeartbeatFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped with the pipeline.
        }
    }
}

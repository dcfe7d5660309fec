using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Replication;

/// <summary>
/// Reads the server's WAL position and the slot's state every few seconds for the lag in bytes, <c>/status</c> and the
/// gauges, warns when the slot's WAL sender spills transactions to disk, and counts the pending dead letters less often.
/// It runs for the whole life of a <see cref="SyncService"/>, through restarts, on a connection of its own; a failed read
/// is logged and tried again at the next tick.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/view-pg-replication-slots.html,
/// https://www.postgresql.org/docs/15/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-SLOTS-VIEW</remarks>
internal static class SlotMonitor
{
    /// <summary>How often the WAL position and the slot are read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Every how many polls the dead letters are counted.</summary>
    private const int DeadLetterEvery = 15;

    private const string Sql =
        "SELECT pg_current_wal_lsn(), s.confirmed_flush_lsn, s.wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint, " +
        "st.spill_txns, st.spill_bytes, st.stream_txns, st.stream_bytes, current_setting('logical_decoding_work_mem') " +
        "FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = $1 LEFT JOIN pg_stat_replication_slots st ON st.slot_name = $1";

    /// <summary>Polls every <see cref="PollInterval"/> until <paramref name="cancellationToken"/> is cancelled, first after one interval.</summary>
    /// <param name="options">The source and the slot.</param>
    /// <param name="countDeadLetters">Counts the pending dead letters.</param>
    /// <param name="state">Receives what was read.</param>
    /// <param name="time">The clock of the polls.</param>
    /// <param name="logger">Receives failed reads (Debug).</param>
    /// <param name="cancellationToken">Stops the polls.</param>
    public static async Task RunAsync(PostgresOptions options, Func<NpgsqlDataSource, CancellationToken, Task<long>> countDeadLetters, SyncState state,
        TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        await using var dataSource = SessionSettings.CreateDataSource(options.ConnectionString, "walsync monitor");
        using var timer = new PeriodicTimer(PollInterval, time);
        var polls = 0;
        var spills = new SlotSpillWatch(options, time, logger);
        try
        {
            // The first poll waits one interval: at start its connection (a server process, Npgsql's type loading) would
            // take the cores from the start-up's own queries, which come first (about 15 ms of a first start; the values
            // it reads only matter once streaming runs).
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    spills.Polled(await PollAsync(dataSource, options.Slot, state, cancellationToken));
                    if (polls++ % DeadLetterEvery == 0)
                    {
                        state.DeadLettersCounted(await countDeadLetters(dataSource, cancellationToken));
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
                {
                    // The pipeline reports PostgreSQL's failures; here they only leave the last values in place.
                    SlotMonitorLog.PollFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped with the service.
        }
    }

    /// <returns>The slot's spill statistics (nulls while it has none) and the monitor session's <c>logical_decoding_work_mem</c>.</returns>
    private static async Task<(long? Transactions, long? Bytes, string WorkMem)> PollAsync(NpgsqlDataSource dataSource, string slot, SyncState state,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue(slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            state.SourcePolled(reader.GetFieldValue<NpgsqlLogSequenceNumber>(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<NpgsqlLogSequenceNumber>(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3));
            long? transactions = reader.IsDBNull(4) ? null : reader.GetInt64(4);
            long? bytes = reader.IsDBNull(5) ? null : reader.GetInt64(5);
            state.SlotStatisticsPolled(transactions, bytes, reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7));
            return (transactions, bytes, reader.GetString(8));
        }
        return (null, null, "");
    }
}

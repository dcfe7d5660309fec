using Microsoft.Extensions.Logging;
using Npgsql;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Replication;

/// <summary>
/// Finds the configured slot before streaming: free and usable (resume from it), missing (first start: copy), in use by
/// another process (wait a moment for a dying predecessor, or as a standby), lost, or of the wrong kind (the user must act).
/// </summary>
internal sealed class SlotManager
{
    /// <summary>How long a slot in use is waited for before it is an error: a killed predecessor's walsender may still be exiting.</summary>
    private static readonly TimeSpan PredecessorGrace = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly PostgresOptions _options;
    private readonly SourceDatabase _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SyncState? _state;

    /// <summary>Creates the manager of <see cref="PostgresOptions.Slot"/>.</summary>
    /// <param name="options">The slot.</param>
    /// <param name="source">The source database.</param>
    /// <param name="time">The clock of the waits.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="state">Told when WalSync waits as a standby; none when null.</param>
    public SlotManager(PostgresOptions options, SourceDatabase source, TimeProvider time, ILogger logger, SyncState? state = null)
    {
        _state = state;
        _options = options;
        _source = source;
        _time = time;
        _logger = logger;
    }

    /// <summary>Drops the slot so that the tables are copied again (<c>walsync run --resnapshot</c>); nothing when it does not exist.</summary>
    /// <exception cref="ConfigurationException">Another process streams from the slot.</exception>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        if (await _source.GetSlotAsync(cancellationToken) is null)
        {
            return;
        }
        ReplicationLog.DroppingSlot(_logger, _options.Slot);
        await using var connection = await _source.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_drop_replication_slot($1)", connection);
        command.Parameters.AddWithValue(_options.Slot);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
        {
            throw new ConfigurationException($"--resnapshot cannot drop slot '{_options.Slot}': {e.MessageText}. Stop the process that streams from it first.", e);
        }
    }

    /// <summary>Checks the slot without waiting: what <see cref="WaitUntilFreeAsync"/> would find, and for a first start whether
    /// the server has room for it.</summary>
    /// <param name="lostIsAnError">As for <see cref="WaitUntilFreeAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>What was found, in one sentence, and whether it deserves attention (the slot is in use or invalidated).</returns>
    /// <exception cref="ConfigurationException">The slot belongs to another plugin or database, was invalidated, or the
    /// server has no room for new slots.</exception>
    public async Task<(string Found, bool InUse)> CheckAsync(bool lostIsAnError, CancellationToken cancellationToken)
    {
        var slotName = _options.Slot;
        var slot = await _source.GetSlotAsync(cancellationToken);
        if (slot is null)
        {
            await using var connection = await _source.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)::int", connection);
            var free = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            if (free < 1)
            {
                throw new ConfigurationException($"The replication slot '{slotName}' does not exist yet, and the server has no room for another " +
                    "slot (max_replication_slots is reached). Drop slots nothing uses " +
                    "(SELECT slot_name, active FROM pg_replication_slots; then SELECT pg_drop_replication_slot('…');) or raise " +
                    "max_replication_slots and restart PostgreSQL.");
            }
            return ($"slot '{slotName}' does not exist yet: walsync run creates it and backfills the collections while it streams", false);
        }
        ThrowIfUnusable(slot, await _source.GetDatabaseNameAsync(cancellationToken), lostIsAnError);
        if (slot.WalStatus == "lost")
        {
            return ($"slot '{slotName}' was invalidated by PostgreSQL (wal_status = lost): walsync run replaces it and rebuilds the collections", true);
        }
        return slot.ActivePid is { } pid
            ? ($"slot '{slotName}' is in use by PostgreSQL process {pid} (a running WalSync?); another walsync run would wait for it", true)
            : ($"slot '{slotName}' is free; walsync run resumes it at LSN {slot.ConfirmedFlushLsn}", false);
    }

    /// <summary>Creates the slot (permanent, pgoutput) at the current end of the WAL; from PostgreSQL 17 on as a failover
    /// slot, which a standby with <c>sync_replication_slots = on</c> keeps a copy of, so WalSync resumes from it after a
    /// promotion.</summary>
    /// <remarks>https://www.postgresql.org/docs/17/functions-admin.html#FUNCTIONS-REPLICATION (pg_create_logical_replication_slot)</remarks>
    /// <exception cref="PostgresException">The server refused (max_replication_slots reached, no REPLICATION attribute).</exception>
    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.DataSource.OpenConnectionAsync(cancellationToken);
        var failover = connection.PostgreSqlVersion.Major >= SupportedVersions.FailoverSlotsMajor;
        // Creation waits for every transaction open at that moment: a long one must not time it out.
        await using var command = new NpgsqlCommand(
            $"SELECT lsn FROM pg_create_logical_replication_slot($1, 'pgoutput', false, false{(failover ? ", true" : "")})", connection)
        {
            CommandTimeout = 1800,
        };
        command.Parameters.AddWithValue(_options.Slot);
        var consistentPoint = (NpgsqlTypes.NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken))!;
        ReplicationLog.SlotCreated(_logger, _options.Slot, consistentPoint);
        if (failover)
        {
            ServerLog.Enabled(_logger, _options.Slot);
        }
    }

    /// <summary>Returns the slot once it is free, or null when it does not exist (first start).</summary>
    /// <param name="lostIsAnError">When false, an invalidated slot is returned (its <see cref="SlotState.WalStatus"/> is <c>lost</c>) for the caller to replace.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ConfigurationException">The slot belongs to another plugin or database, was invalidated (with
    /// <paramref name="lostIsAnError"/>), or stays in use by another process (unless <see cref="PostgresOptions.WaitForSlot"/>).</exception>
    public async Task<SlotState?> WaitUntilFreeAsync(bool lostIsAnError, CancellationToken cancellationToken)
    {
        var database = await _source.GetDatabaseNameAsync(cancellationToken);
        var slotName = _options.Slot;
        var deadline = _time.GetTimestamp() + (long)(PredecessorGrace.TotalSeconds * _time.TimestampFrequency);
        var waiting = false;
        while (true)
        {
            var slot = await _source.GetSlotAsync(cancellationToken);
            if (slot is null)
            {
                return null;
            }
            ThrowIfUnusable(slot, database, lostIsAnError);
            if (slot.WalStatus == "lost")
            {
                return slot;
            }
            if (slot.ActivePid is null)
            {
                if (waiting)
                {
                    _state?.SetPhase(SyncPhase.Starting);
                }
                ReplicationLog.SlotResumed(_logger, slotName, slot.ConfirmedFlushLsn);
                return slot;
            }
            if (_options.WaitForSlot)
            {
                if (!waiting)
                {
                    ReplicationLog.WaitingForSlot(_logger, slotName, slot.ActivePid.Value);
                    _state?.SetPhase(SyncPhase.Standby);
                    waiting = true;
                }
            }
            else if (_time.GetTimestamp() > deadline)
            {
                throw new ConfigurationException($"The replication slot '{slotName}' is in use by PostgreSQL process {slot.ActivePid}: another WalSync " +
                    "(or another consumer) streams from it. Stop that consumer, or give this WalSync its own Postgres:Slot and Postgres:Publication.");
            }
            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Refuses a slot of another plugin or database, or one PostgreSQL invalidated when <paramref name="lostIsAnError"/>.</summary>
    private void ThrowIfUnusable(SlotState slot, string database, bool lostIsAnError)
    {
        var slotName = _options.Slot;
        if (slot.Plugin != "pgoutput" || slot.Database != database)
        {
            throw new ConfigurationException($"The replication slot '{slotName}' exists but belongs to " +
                $"{(slot.Database is null ? "physical replication" : $"database '{slot.Database}' with plugin '{slot.Plugin}'")}. " +
                "Set Postgres:Slot to another name, or drop that slot if nothing uses it: SELECT pg_drop_replication_slot('" + slotName + "');");
        }
        if (slot.WalStatus == "lost" && lostIsAnError)
        {
            throw new ConfigurationException($"PostgreSQL invalidated the replication slot '{slotName}' (wal_status = lost): the WAL it needed " +
                "was removed, so changes were missed. Recreate the slot and rebuild the collections with: walsync run --resnapshot " +
                "(or set Postgres:OnSlotInvalidated to Rebuild, its default, to do so by itself). " +
                "To prevent it, raise max_slot_wal_keep_size or keep WalSync running.");
        }
    }
}

using System.Data;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Typesense;

namespace WalSync.Pipeline;

/// <summary>
/// Runs the whole flow: checks the source, creates the publication, the collections and (on first start) the slot
/// with a snapshot copy, then streams ReplicationReader → channel → Batcher → TypesenseSink → Checkpointer until stopped.
/// </summary>
public sealed class SyncService
{
    private readonly WalSyncOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the service; nothing is opened until <see cref="RunAsync"/>.</summary>
    public SyncService(WalSyncOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("WalSync");
        _time = time ?? TimeProvider.System;
        Checkpointer = new Checkpointer(_logger);
    }

    /// <summary>Acknowledges LSNs; its <see cref="Checkpointer.Acknowledged"/> event reports each one.</summary>
    public Checkpointer Checkpointer { get; }

    /// <summary>Raised when the snapshot copy of a first start is in Typesense and streaming begins (or at once on resume).</summary>
    public event Action? Streaming;

    /// <summary>On the first run, drop the slot and copy the tables again (<c>walsync run --resnapshot</c>).</summary>
    public bool Resnapshot { get; init; }

    /// <summary>The first delay before reconnecting after a transient failure; it doubles (with jitter) up to
    /// <see cref="MaxReconnectDelay"/>. Default 1 second.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between reconnect attempts. Default 30 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled, then stops reading, flushes and acknowledges what is in
    /// flight and returns. <paramref name="abort"/> gives up at once (what was not acknowledged is sent again next time).
    /// A transient failure (network, a PostgreSQL restart, a terminated walsender, Typesense unreachable) restarts the
    /// pipeline after a capped exponential backoff with jitter, without end; it resumes from the slot.
    /// </summary>
    /// <exception cref="ConfigurationException">The configuration or the environment must be fixed by the user.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public async Task RunAsync(CancellationToken stopping, CancellationToken abort = default)
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = _time }.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                !stopping.IsCancellationRequested && ErrorClassifier.AsConfigurationError(e) is null && ErrorClassifier.IsTransient(e)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = ReconnectDelay,
            MaxDelay = MaxReconnectDelay,
            OnRetry = retried =>
            {
                Telemetry.WalSyncTelemetry.PipelineRestarts.Add(1);
                PipelineSupervisorLog.Restarting(_logger, retried.Outcome.Exception?.Message ?? "?", retried.RetryDelay, retried.AttemptNumber + 1);
                return default;
            },
        }).Build();
        using var stopOrAbort = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        var first = true;
        try
        {
            // The callback gets the outer tokens: Polly's token (stop or abort) must only cut the waits between attempts.
            await retry.ExecuteAsync(async _ =>
            {
                var resnapshot = first && Resnapshot;
                first = false;
                await RunOnceAsync(resnapshot, stopping, abort);
            }, stopOrAbort.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            // Stopped while waiting to reconnect: nothing was in flight.
        }
        catch (Exception e) when (ErrorClassifier.AsConfigurationError(e) is { } configuration)
        {
            throw configuration;
        }
    }

    private async Task RunOnceAsync(bool resnapshot, CancellationToken stopping, CancellationToken abort)
    {
        Checkpointer.StartRun();
        // Nothing is in flight before streaming starts, so a stop request may cut the start-up short.
        using var startupSource = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        var startup = startupSource.Token;
        await using var source = new SourceDatabase(_options.Postgres, _logger);
        await source.CheckServerAsync(startup);
        PgTypeCatalog types;
        await using (var connection = await source.DataSource.OpenConnectionAsync(startup))
        {
            types = await PgTypeCatalog.LoadAsync(connection, startup);
        }
        var described = new List<SourceTable>();
        foreach (var table in _options.Tables)
        {
            described.Add(await source.DescribeTableAsync(table, startup));
        }
        var tables = await source.EnsurePublicationAsync(described, startup);
        var registry = new TableRegistry(tables, types, source.DataSource);
        var deadLetters = DeadLetterStores.Create(_options.DeadLetter, source.DataSource);
        await deadLetters.InitializeAsync(startup);
        if (resnapshot)
        {
            await DropSlotAsync(source, startup);
        }
        var slot = await WaitForFreeSlotAsync(source, startup);

        using var client = new TypesenseClient(_options.Typesense, _loggers.CreateLogger<TypesenseClient>(), _time);
        var schemas = new CollectionSchemaSync(client, _logger);
        foreach (var binding in registry.Bindings)
        {
            var existed = await client.GetCollectionAsync(binding.Collection, startup) is not null;
            await schemas.EnsureAsync(binding.Collection, await registry.GetMapperAsync(binding, binding.Source.Relation, startup), startup);
            if (slot is not null && !existed)
            {
                PipelineLog.CollectionMissingOnResume(_logger, binding.Collection, _options.Postgres.Slot);
            }
        }

        var changes = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(_options.Batch.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var sink = new TypesenseSink(client, schemas, deadLetters, source.DataSource, _options.Typesense.MaxConcurrentImports, _logger);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var batcherTask = RunStageAsync(() => new Batcher(_options.Batch, registry, _time).RunAsync(changes.Reader, batches.Writer, failed.Token), failed);
        var sinkTask = RunStageAsync(() => FlushAllAsync(batches.Reader, sink, failed.Token), failed);
        var idleTask = AcknowledgeWhileIdleAsync(sinkTask, failed.Token);
        var heartbeatTask = _options.Postgres.HeartbeatInterval is { } heartbeat ? HeartbeatAsync(source, heartbeat, sinkTask, failed.Token) : Task.CompletedTask;
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(stopping, failed.Token);
        var reader = new ReplicationReader(_options.Postgres, _loggers.CreateLogger<ReplicationReader>());
        Exception? readError = null;
        try
        {
            var copied = 0L;
            if (slot is null)
            {
                copied = await CopySnapshotAsync(source, registry, changes.Writer, stopReading.Token, failed.Token);
            }
            if (!stopReading.IsCancellationRequested)
            {
                Checkpointer.Attach(reader, copied);
                Streaming?.Invoke();
                await reader.RunAsync(changes.Writer, tables.Select(t => t.Relation), stopReading.Token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopReading.IsCancellationRequested)
        {
            readError = e;
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to write: what was not written was not acknowledged either.
        }
        PipelineLog.Draining(_logger);
        // What was read is flushed and acknowledged even when reading failed: complete transactions need not come again.
        changes.Writer.TryComplete();
        try
        {
            await Task.WhenAll(batcherTask, sinkTask, idleTask, heartbeatTask);
            await Checkpointer.AcknowledgeIdleAsync(abort);
        }
        finally
        {
            await reader.DisposeAsync();
        }
        PipelineLog.Stopped(_logger, Checkpointer.LastAcknowledged);
        if (readError is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(readError).Throw();
        }
    }

    /// <summary>Copies the tables inside a new temporary slot's snapshot, waits until the copy is in Typesense and
    /// makes the permanent slot. A stop while rows are being read abandons the copy (the next start copies again);
    /// once every row is read, only <paramref name="abort"/> interrupts it, so a graceful stop keeps the finished copy.</summary>
    private async Task<long> CopySnapshotAsync(SourceDatabase source, TableRegistry registry, ChannelWriter<ChangeEvent> writer,
        CancellationToken cancellationToken, CancellationToken abort)
    {
        await using var temporary = await TemporarySlot.CreateAsync(_options.Postgres, cancellationToken);
        PipelineLog.SnapshotStarted(_logger, registry.Bindings.Count, temporary.SnapshotName);
        // Documents left from an earlier sync may belong to rows deleted since: the copy starts from empty collections.
        await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.Truncate, TruncatedRelations = registry.Bindings.Select(b => b.Source.Relation).ToList() }, cancellationToken);
        long events = 1, rows = 0;
        await using (var connection = await source.DataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            await using (var command = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{temporary.SnapshotName}'", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var binding in registry.Bindings)
            {
                long tableRows = 0;
                await foreach (var row in TableRowReader.ReadAllAsync(connection, binding.Source, cancellationToken))
                {
                    await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.Insert, Relation = binding.Source.Relation, NewRow = row, Lsn = NpgsqlLogSequenceNumber.Invalid }, cancellationToken);
                    tableRows++;
                }
                Telemetry.WalSyncTelemetry.ChangesReceived.Add(tableRows);
                ReplicationLog.TableCopied(_logger, binding.Source.Relation.QualifiedName, tableRows);
                rows += tableRows;
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await writer.WriteAsync(new ChangeEvent { Kind = ChangeKind.SnapshotEnd }, abort);
        events += rows + 1;
        await Checkpointer.WaitForFlushedAsync(events, abort);
        await source.CopySlotAsync(temporary.Name, abort);
        PipelineLog.SnapshotFinished(_logger, rows, _options.Postgres.Slot, temporary.ConsistentPoint);
        return events;
    }

    private async Task FlushAllAsync(ChannelReader<Batch> batches, TypesenseSink sink, CancellationToken cancellationToken)
    {
        await foreach (var batch in batches.ReadAllAsync(cancellationToken))
        {
            await sink.FlushAsync(batch, cancellationToken);
            await Checkpointer.OnFlushedAsync(batch, cancellationToken);
        }
    }

    private async Task AcknowledgeWhileIdleAsync(Task sinkTask, CancellationToken cancellationToken)
    {
        var interval = _options.Batch.FlushInterval < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : _options.Batch.FlushInterval;
        using var timer = new PeriodicTimer(interval, _time);
        while (!sinkTask.IsCompleted)
        {
            try
            {
                await Task.WhenAny(timer.WaitForNextTickAsync(cancellationToken).AsTask(), sinkTask);
                if (!sinkTask.IsCompleted)
                {
                    await Checkpointer.AcknowledgeIdleAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs a stage; when it fails, the others are cancelled so that the failure surfaces instead of a stall.</summary>
    private static async Task RunStageAsync(Func<Task> stage, CancellationTokenSource failed)
    {
        try
        {
            await stage();
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }
    }

    private async Task DropSlotAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        if (await source.GetSlotAsync(cancellationToken) is null)
        {
            return;
        }
        PipelineSupervisorLog.DroppingSlot(_logger, _options.Postgres.Slot);
        await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_drop_replication_slot($1)", connection);
        command.Parameters.AddWithValue(_options.Postgres.Slot);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
        {
            throw new ConfigurationException($"--resnapshot cannot drop slot '{_options.Postgres.Slot}': {e.MessageText}. Stop the process that streams from it first.", e);
        }
    }

    /// <summary>Emits a non-transactional logical decoding message in the slot's database, so the slot has something
    /// to acknowledge even when the published tables are idle.</summary>
    /// <remarks>https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-REPLICATION (pg_logical_emit_message)</remarks>
    private async Task HeartbeatAsync(SourceDatabase source, TimeSpan interval, Task sinkTask, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (!sinkTask.IsCompleted)
        {
            try
            {
                await Task.WhenAny(timer.WaitForNextTickAsync(cancellationToken).AsTask(), sinkTask);
                if (sinkTask.IsCompleted)
                {
                    return;
                }
                await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT pg_logical_emit_message(false, 'walsync_heartbeat', '')", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                // A failing heartbeat is no reason to stop: the stream's own errors decide that.
                PipelineSupervisorLog.HeartbeatFailed(_logger, e.Message);
            }
        }
    }

    private async Task<SlotState?> WaitForFreeSlotAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        var database = await source.GetDatabaseNameAsync(cancellationToken);
        var slotName = _options.Postgres.Slot;
        // A restarted WalSync may find its predecessor's walsender still exiting: give it a moment before failing.
        var deadline = _time.GetTimestamp() + (long)(15 * _time.TimestampFrequency);
        var waiting = false;
        while (true)
        {
            var slot = await source.GetSlotAsync(cancellationToken);
            if (slot is null)
            {
                return null;
            }
            if (slot.Plugin != "pgoutput" || slot.Database != database)
            {
                throw new ConfigurationException($"The replication slot '{slotName}' exists but belongs to " +
                    $"{(slot.Database is null ? "physical replication" : $"database '{slot.Database}' with plugin '{slot.Plugin}'")}. " +
                    "Set Postgres:Slot to another name, or drop that slot if nothing uses it: SELECT pg_drop_replication_slot('" + slotName + "');");
            }
            if (slot.WalStatus == "lost")
            {
                throw new ConfigurationException($"PostgreSQL invalidated the replication slot '{slotName}' (wal_status = lost): the WAL it needed " +
                    "was removed, so changes were missed. Recreate the slot and copy the tables again with: walsync run --resnapshot " +
                    "(or drop the slot with SELECT pg_drop_replication_slot('" + slotName + "'); and start WalSync). " +
                    "To prevent it, raise max_slot_wal_keep_size or keep WalSync running.");
            }
            if (slot.ActivePid is null)
            {
                ReplicationLog.SlotResumed(_logger, slotName, slot.ConfirmedFlushLsn ?? "?");
                return slot;
            }
            if (_options.Postgres.WaitForSlot)
            {
                if (!waiting)
                {
                    PipelineSupervisorLog.WaitingForSlot(_logger, slotName, slot.ActivePid.Value);
                    waiting = true;
                }
            }
            else if (_time.GetTimestamp() > deadline)
            {
                throw new ConfigurationException($"The replication slot '{slotName}' is in use by PostgreSQL process {slot.ActivePid}: another WalSync " +
                    "(or another consumer) streams from it. Stop that consumer, or give this WalSync its own Postgres:Slot and Postgres:Publication.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), _time, cancellationToken);
        }
    }
}

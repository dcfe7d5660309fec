using Microsoft.Extensions.Logging;
using NpgsqlTypes;
using WalSync.Checks;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Typesense;

namespace WalSync;

/// <summary>
/// WalSync as one call: checks the source, creates the publication, the collections and (on first start) the slot
/// with a snapshot copy, then streams PostgreSQL → channel → batcher → Typesense until stopped, restarting after
/// transient failures. This class only wires the parts; each rule lives in the part named after it (see
/// <c>src/WalSync/README.md</c>).
/// </summary>
public sealed class SyncService
{
    private readonly WalSyncOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Checkpointer _checkpointer;

    /// <summary>Creates the service; nothing is opened until <see cref="RunAsync"/>.</summary>
    /// <param name="options">A validated configuration (<see cref="WalSyncOptionsValidator"/>).</param>
    /// <param name="loggers">The loggers.</param>
    /// <param name="time">The clock of timers and backoffs; <see cref="TimeProvider.System"/> when null.</param>
    public SyncService(WalSyncOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("WalSync");
        _time = time ?? TimeProvider.System;
        _checkpointer = new Checkpointer();
        _checkpointer.Acknowledged += lsn => Acknowledged?.Invoke(lsn);
    }

    /// <summary>Raised after each LSN acknowledged to PostgreSQL: everything before it is in Typesense or in the dead-letter store.</summary>
    public event Action<NpgsqlLogSequenceNumber>? Acknowledged;

    /// <summary>Raised when the snapshot copy of a first start is in Typesense and streaming begins (or at once on resume).</summary>
    public event Action? Streaming;

    /// <summary>The last LSN acknowledged to PostgreSQL, <see cref="NpgsqlLogSequenceNumber.Invalid"/> before the first.</summary>
    public NpgsqlLogSequenceNumber LastAcknowledged => _checkpointer.LastAcknowledged;

    /// <summary>On the first run, drop the slot and copy the tables again (<c>walsync run --resnapshot</c>).</summary>
    public bool Resnapshot { get; init; }

    /// <summary>The first delay before restarting after a transient failure; it doubles (with jitter) up to
    /// <see cref="MaxReconnectDelay"/>. Default 1 second.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between restarts. Default 30 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled, then stops reading, flushes and acknowledges what is in
    /// flight and returns. <paramref name="abort"/> gives up at once (what was not acknowledged is sent again next time).
    /// A transient failure restarts the pipeline after a capped exponential backoff with jitter, without end; it
    /// resumes from the slot.
    /// </summary>
    /// <exception cref="ConfigurationException">The configuration or the environment must be fixed by the user.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public Task RunAsync(CancellationToken stopping, CancellationToken abort = default) =>
        new PipelineSupervisor(ReconnectDelay, MaxReconnectDelay, _time, _logger, e => Unreachable.Describe(e, _options)).RunAsync(RunOnceAsync, stopping, abort);

    private async Task RunOnceAsync(int attempt, CancellationToken stopping, CancellationToken abort)
    {
        // Nothing is in flight before streaming starts, so a stop request may cut the start-up short.
        using var startupSource = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        var startup = startupSource.Token;
        // Every problem the user must fix is reported at once; servers that do not answer are left to the retries below.
        StartupChecks.ThrowIfAnyFailed(await new StartupChecks(_options, _loggers, _time) { Resnapshot = attempt == 0 && Resnapshot }.RunAsync(startup));
        await using var source = new SourceDatabase(_options.Postgres, _logger);
        var tables = await PrepareSourceAsync(source, startup);
        var deadLetters = DeadLetterStores.Create(_options.DeadLetter, source.DataSource);
        await deadLetters.InitializeAsync(startup);
        var slots = new SlotManager(_options.Postgres, source, _time, _logger);
        if (attempt == 0 && Resnapshot)
        {
            await slots.DropAsync(startup);
        }
        var slot = await slots.WaitUntilFreeAsync(startup);

        using var client = new TypesenseClient(_options.Typesense, _loggers.CreateLogger<TypesenseClient>(), _time);
        var schemas = new CollectionSchemaSync(client, _logger);
        await EnsureCollectionsAsync(client, schemas, tables, resuming: slot is not null, startup);
        var sink = new TypesenseSink(client, schemas, deadLetters, source.DataSource, _options.Typesense.MaxConcurrentImports, _logger);
        var pipeline = new SyncPipeline(_options.Batch, tables, sink, _checkpointer, _time, _logger);
        var copier = slot is null ? new SnapshotCopier(_options.Postgres, source, tables, _checkpointer, _logger) : null;
        await using var reader = new ReplicationReader(_options.Postgres, tables.Bindings.Select(b => b.Source.Relation),
            _loggers.CreateLogger<ReplicationReader>());
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var heartbeat = _options.Postgres.HeartbeatInterval is { } interval
            ? Heartbeat.RunAsync(source.DataSource, interval, _time, _logger, heartbeatStop.Token)
            : Task.CompletedTask;
        var streaming = false;
        try
        {
            await pipeline.RunAsync(reader, copier is null ? null : copier.CopyAsync, () =>
            {
                streaming = true;
                Streaming?.Invoke();
            }, stopping, abort);
            if (copier is not null && !streaming)
            {
                ServiceLog.StoppedDuringCopy(_logger, _options.Postgres.Slot);
            }
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>The start-up checks of the source: server settings and role, the tables, the publication.</summary>
    private async Task<TableRegistry> PrepareSourceAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        await source.CheckServerAsync(cancellationToken);
        PgTypeCatalog types;
        await using (var connection = await source.DataSource.OpenConnectionAsync(cancellationToken))
        {
            types = await PgTypeCatalog.LoadAsync(connection, cancellationToken);
        }
        var described = new List<SourceTable>();
        foreach (var table in _options.Tables)
        {
            described.Add(await source.DescribeTableAsync(table, cancellationToken));
        }
        return new TableRegistry(await source.EnsurePublicationAsync(described, cancellationToken), types, source.DataSource);
    }

    /// <summary>Creates missing collections and brings existing ones to their tables' columns.</summary>
    private async Task EnsureCollectionsAsync(TypesenseClient client, CollectionSchemaSync schemas, TableRegistry tables, bool resuming, CancellationToken cancellationToken)
    {
        foreach (var binding in tables.Bindings)
        {
            var existed = await client.GetCollectionAsync(binding.Collection, cancellationToken) is not null;
            await schemas.EnsureAsync(binding.Collection, await tables.GetMapperAsync(binding, binding.Source.Relation, cancellationToken), cancellationToken);
            if (resuming && !existed)
            {
                SinkLog.CollectionMissingOnResume(_logger, binding.Collection, _options.Postgres.Slot);
            }
        }
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NpgsqlTypes;
using WalSync.Checks;
using WalSync.Backfill;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Sink;
using WalSync.Status;
using WalSync.Telemetry;
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

    /// <summary>Backfills planned or asked for that have not finished. Written by the run and the runner.</summary>
    private int _backfilling;

    /// <summary>How often a rebuild waiting for the stream to flush what was committed before it was asked for says so.</summary>
    private static readonly TimeSpan RebuildCatchUpLogInterval = TimeSpan.FromSeconds(60);

    /// <summary>The most bytes of the stream's row arrays kept for reuse between batches (about what a large transaction
    /// keeps in flight at the default batch size); beyond it a flushed row's array is left to the GC.</summary>
    private const long StreamRowsPooled = 64L << 20;

    /// <summary>Why this process streams text values from now on: the stream sent a binary value of a type WalSync does
    /// not read (e.g. WAL from before a column's type changed, which the catalog no longer shows). Null until then.</summary>
    private string? _textValuesBecause;

    /// <summary>Rebuilds asked for while running and not planned yet: the table (schema.table) and why.</summary>
    private readonly Channel<(string Table, string Reason)> _rebuilds = Channel.CreateUnbounded<(string, string)>();

    /// <summary>Tables in <see cref="_rebuilds"/>, each with how many times it was asked for: a second request before the
    /// rebuild is planned is the same rebuild, whose wait for the stream then reaches past it too. Guarded by itself.</summary>
    private readonly Dictionary<string, int> _rebuildsQueued = new(StringComparer.Ordinal);

    /// <summary>Completed, and replaced, each time a backfill finishes. Replaced by the runner, read by the planning of rebuilds.</summary>
    private TaskCompletionSource _backfillFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Notices what the stream does not carry as rows (rewrites, partitions attached or detached) through every run.</summary>
    private readonly SilentChangeWatch _watch;

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
        State = new SyncState(options.Postgres.Slot, options.Postgres.Publication, _time);
        _checkpointer = new Checkpointer();
        _watch = new SilentChangeWatch(options.Postgres.CatalogCheckInterval, _time, _logger, RebuildSilentlyChanged);
        _checkpointer.Acknowledged += lsn =>
        {
            State.Acknowledged(lsn);
            Acknowledged?.Invoke(lsn);
        };
    }

    /// <summary>What the service is doing and how far it is: phase, positions, lag, copy progress, per-collection counts.
    /// The executable serves it as <c>/status</c>, <c>/readyz</c>, <c>/wait</c> and gauges.</summary>
    public SyncState State { get; }

    /// <summary>Raised after each LSN acknowledged to PostgreSQL: everything before it is in Typesense or in the dead-letter store.</summary>
    public event Action<NpgsqlLogSequenceNumber>? Acknowledged;

    /// <summary>Raised when the snapshot copy of a first start is in Typesense and streaming begins (or at once on resume).</summary>
    public event Action? Streaming;

    /// <summary>True while a backfill (a first fill, a table added later, a rebuild) has not finished.</summary>
    public bool Backfilling => Volatile.Read(ref _backfilling) > 0;

    /// <summary>The last LSN acknowledged to PostgreSQL, <see cref="NpgsqlLogSequenceNumber.Invalid"/> before the first.</summary>
    public NpgsqlLogSequenceNumber LastAcknowledged => _checkpointer.LastAcknowledged;

    /// <summary>On the first run, drop the slot, create a new one and rebuild every collection (<c>walsync run --resnapshot</c>).</summary>
    public bool Resnapshot { get; init; }

    /// <summary>Tables (schema.table) whose collections are rebuilt on the first run (<c>walsync run --reindex</c>).</summary>
    public IReadOnlyCollection<string> Reindex { get; init; } = [];

    /// <summary>Asks the running service to rebuild <paramref name="table"/>'s collection (schema.table) into a new version
    /// behind its alias; an unknown table is ignored. A request for a table whose rebuild was asked for and has not started
    /// yet is that same rebuild. Returns at once.</summary>
    public void RequestRebuild(string table) => RequestRebuild(table, "a rebuild was asked for");

    /// <summary>Asks for a rebuild of <paramref name="table"/> for <paramref name="reason"/>, which its log line gives.</summary>
    internal void RequestRebuild(string table, string reason)
    {
        lock (_rebuildsQueued)
        {
            if (_rebuildsQueued.TryGetValue(table, out var asked))
            {
                _rebuildsQueued[table] = asked + 1;
                return;
            }
            _rebuildsQueued[table] = 1;
        }
        // Counted at once, so that Backfilling is true from the request on.
        Interlocked.Increment(ref _backfilling);
        _rebuilds.Writer.TryWrite((table, reason));
    }

    /// <summary>Asks for the rebuild the catalog watch found needed, unless a column changed type and
    /// <c>Schema:OnIncompatibleChange</c> is Stop: the rewritten rows then stop the run with the fix.</summary>
    /// <exception cref="SchemaChangeException">A column changed type and Schema:OnIncompatibleChange is Stop.</exception>
    private void RebuildSilentlyChanged(string table, string reason, bool retyped)
    {
        if (retyped && _options.Schema.OnIncompatibleChange == RecoveryAction.Stop)
        {
            throw new SchemaChangeException($"Table {table} changed: {reason}. Schema:OnIncompatibleChange is Stop, so WalSync " +
                $"stops instead of rebuilding by itself. Rebuild it into a new version while this one keeps serving: " +
                $"walsync run --reindex {table} (or set Schema:OnIncompatibleChange to Rebuild, its default, to do so by itself).");
        }
        RequestRebuild(table, reason);
    }

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
    public async Task RunAsync(CancellationToken stopping, CancellationToken abort = default)
    {
        WalSyncTelemetry.Observe(State);
        StartSeries();
        using var monitorStop = new CancellationTokenSource();
        var monitor = SlotMonitor.RunAsync(_options.Postgres, CountDeadLettersAsync, State, _time, _logger, monitorStop.Token);
        try
        {
            await using var stop = stopping.Register(() => State.SetPhase(SyncPhase.Stopping));
            await new PipelineSupervisor(ReconnectDelay, MaxReconnectDelay, _time, _logger, e => Unreachable.Describe(e, _options), State).RunAsync(RunOnceAsync, stopping, abort);
        }
        finally
        {
            State.SetPhase(SyncPhase.Stopped);
            await monitorStop.CancelAsync();
            await monitor;
            WalSyncTelemetry.Forget(State);
        }
    }

    /// <summary>Makes every counter series of the configured tables exist from the start, at zero, so that rates and
    /// dashboards see them before the first change.</summary>
    private void StartSeries()
    {
        WalSyncTelemetry.PipelineRestarts.Add(0);
        foreach (var cause in TypesenseTransport.RetryCauses)
        {
            WalSyncTelemetry.TypesenseRetries.Add(0, new KeyValuePair<string, object?>("cause", cause));
        }
        foreach (var table in _options.Tables)
        {
            var name = new KeyValuePair<string, object?>("table", $"{table.SchemaName}.{table.TableName}");
            var collection = new KeyValuePair<string, object?>("collection", table.CollectionName);
            foreach (var kind in (string[])["insert", "update", "delete"])
            {
                WalSyncTelemetry.ChangesReceived.Add(0, name, new KeyValuePair<string, object?>("kind", kind));
            }
            WalSyncTelemetry.DocumentsWritten.Add(0, collection);
            WalSyncTelemetry.DocumentsDeleted.Add(0, collection);
            WalSyncTelemetry.DeadLetters.Add(0, name);
            WalSyncTelemetry.RowsBackfilled.Add(0, name);
            State.Collection(table.CollectionName, $"{table.SchemaName}.{table.TableName}");
        }
    }

    private async Task<long> CountDeadLettersAsync(Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        (await DeadLetterStores.Create(_options.DeadLetter, dataSource).CountPendingAsync(cancellationToken)).Values.Sum();

    private async Task RunOnceAsync(int attempt, CancellationToken stopping, CancellationToken abort)
    {
        // Nothing is in flight before streaming starts, so a stop request may cut the start-up short.
        using var startupSource = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        var startup = startupSource.Token;
        // Every problem the user must fix is reported at once; servers that do not answer are left to the retries below.
        await using var source = new SourceDatabase(_options.Postgres, _logger);
        StartupChecks.ThrowIfAnyFailed(await new StartupChecks(_options, _loggers, _time) { Resnapshot = attempt == 0 && Resnapshot }.RunAsync(source, startup));
        var (tables, relations) = await PrepareSourceAsync(source, startup);
        var deadLetters = DeadLetterStores.Create(_options.DeadLetter, source.DataSource);
        await deadLetters.InitializeAsync(startup);
        var backfills = new BackfillStore(source.DataSource, _options.Postgres.Slot, _options.Backfill.Table);
        await backfills.InitializeAsync(startup);
        var rebuild = await PrepareSlotAsync(new SlotManager(_options.Postgres, source, _time, _logger, State), backfills, attempt == 0 && Resnapshot, startup);

        using var client = new TypesenseClient(_options.Typesense, _loggers.CreateLogger<TypesenseClient>(), _time);
        client.OnRetry(failure => State.Failing(failure.Message));
        var schemas = new CollectionSchemaSync(client, _logger);
        var versions = new CollectionVersions(client, schemas, _options.Reindex.KeepVersions, _logger);
        var rebuildIncompatible = _options.Schema.OnIncompatibleChange == RecoveryAction.Rebuild;
        var planner = new BackfillPlanner(client, versions, schemas, backfills, _logger, rebuildIncompatible, source.DataSource);
        var jobs = await planner.PlanAsync(tables, rebuild, attempt == 0 ? Reindex : [], startup);
        lock (_rebuildsQueued)
        {
            // Rebuilds asked for and not planned yet are still to come.
            Volatile.Write(ref _backfilling, jobs.Count + _rebuildsQueued.Count);
        }
        var asked = new HashSet<TableBinding>();
        var sink = new TypesenseSink(client, schemas, deadLetters, source.DataSource, _logger,
            rebuildIncompatible ? table => RebuildOnce(table, asked) : null, State);
        var windows = new BackfillWindows();
        var rows = new RowImagePool(StreamRowsPooled);
        var pipeline = new SyncPipeline(_options.Batch, tables, sink, _options.Typesense.MaxConcurrentImports, _checkpointer, _time, _logger, windows, State, rows);
        var binary = !_options.Postgres.BinaryValues ? default
            : _textValuesBecause is { } refused ? new BinaryTypes.Decision(null, refused)
            : await source.BinaryTypesAsync(startup);
        if (binary.TextBecause is { } reason)
        {
            ReplicationLog.TextValuesBecause(_logger, reason);
        }
        var runner = new BackfillRunner(_options.Backfill, source.DataSource, backfills, windows, versions, _time, _logger, BackfillFinished, State,
            binary.Types);
        await using var reader = new ReplicationReader(_options.Postgres, relations,
            _loggers.CreateLogger<ReplicationReader>(), State, _watch.RelationReceived, binary.Types, rows);
        var sources = tables.Bindings.Select(b => b.Source).ToList();
        await _watch.ReadBaselineAsync(sources, source.DataSource, abort);
        var planned = Channel.CreateUnbounded<BackfillJob>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var heartbeat = _options.Postgres.HeartbeatInterval is { } interval
            ? Heartbeat.RunAsync(source.DataSource, interval, _time, _logger, heartbeatStop.Token)
            : Task.CompletedTask;
        try
        {
            // Beside the stream: the backfills, the planning of rebuilds asked for meanwhile, and the watch that asks for some.
            await pipeline.RunAsync(reader, token => TogetherAsync(token,
                    stop => runner.RunAsync(jobs, planned.Reader.ReadAllAsync(stop), stop),
                    stop => PlanRebuildsAsync(planner, tables, planned.Writer, source, stop),
                    stop => _watch.RunAsync(sources, source.DataSource, stop)), () =>
            {
                State.SetPhase(SyncPhase.Streaming);
                Streaming?.Invoke();
            }, stopping, abort);
        }
        catch (UnreadableBinaryValueException e)
        {
            // Asking the catalog again could say binary again while the slot replays the same value: text until the process ends.
            _textValuesBecause = e.Message;
            throw;
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>Waits until every change committed before now is flushed, so that the new version of a rebuild receives
    /// only changes from after it was asked for: one created while the stream still carries older changes would get them
    /// too, and a row that left the table without a delete (a detached partition) would stay in it, since the backfill
    /// only writes the rows it reads. However long the stream is behind, the rebuild waits (its new version could not
    /// catch up sooner); every <see cref="RebuildCatchUpLogInterval"/> it says how far the stream has come.</summary>
    private async Task CatchUpBeforeRebuildAsync(SourceDatabase source, string table, CancellationToken cancellationToken)
    {
        var now = await source.CurrentWalLsnAsync(cancellationToken);
        var caughtUp = State.WaitForSearchableAsync(now, cancellationToken);
        while (true)
        {
            try
            {
                await caughtUp.WaitAsync(RebuildCatchUpLogInterval, _time, cancellationToken);
                return;
            }
            catch (TimeoutException)
            {
                BackfillLog.RebuildWaitsForTheStream(_logger, table, now, State.SearchableThrough);
            }
        }
    }

    /// <summary>Asks for a rebuild of <paramref name="table"/> the first time its only collection cannot follow it in this
    /// run; while a rebuild already fills a new version, that one must follow, and its failure stops the run.</summary>
    private bool RebuildOnce(TableBinding table, HashSet<TableBinding> asked)
    {
        if (table.Targets.Names.Count > 1)
        {
            return false;
        }
        lock (asked)
        {
            if (asked.Add(table))
            {
                RequestRebuild(table.Source.Relation.QualifiedName);
            }
        }
        return true;
    }

    /// <summary>Makes sure the slot exists and is usable; returns why every collection must be rebuilt (the slot is new
    /// while collections may already hold documents), or null.</summary>
    private async Task<string?> PrepareSlotAsync(SlotManager slots, BackfillStore backfills, bool resnapshot, CancellationToken cancellationToken)
    {
        string? rebuild = null;
        if (resnapshot)
        {
            await slots.DropAsync(cancellationToken);
            rebuild = "--resnapshot";
        }
        var slot = await slots.WaitUntilFreeAsync(lostIsAnError: _options.Postgres.OnSlotInvalidated == RecoveryAction.Stop, cancellationToken);
        if (slot is { WalStatus: "lost" })
        {
            await slots.DropAsync(cancellationToken);
            slot = null;
            rebuild = "the slot was invalidated (changes were missed)";
        }
        if (slot is null)
        {
            // What was recorded for the old slot says nothing about the new one's stream.
            await backfills.ForgetSlotAsync(cancellationToken);
            await slots.CreateAsync(cancellationToken);
            rebuild ??= "the slot is new";
        }
        return rebuild;
    }

    /// <summary>Turns rebuild requests (<see cref="RequestRebuild(string, string)"/>) into backfills as soon as they come, so
    /// that the new version receives the stream and its progress is durable while it waits for a free backfill slot (a job
    /// planned and not run when the run stops resumes in the next). A table whose earlier rebuild has not finished waits
    /// for it: that one may have read rows before the reason for this one. A request the run stops before planning stays asked.</summary>
    private async Task PlanRebuildsAsync(BackfillPlanner planner, TableRegistry tables, ChannelWriter<BackfillJob> planned, SourceDatabase source,
        CancellationToken cancellationToken)
    {
        try
        {
            while (await _rebuilds.Reader.WaitToReadAsync(cancellationToken))
            {
                if (!_rebuilds.Reader.TryRead(out var request))
                {
                    continue;
                }
                var table = tables.Bindings.FirstOrDefault(b => b.Source.Relation.QualifiedName == request.Table);
                try
                {
                    while (table is not null && table.Targets.Names.Count > 1)
                    {
                        var finished = Volatile.Read(ref _backfillFinished).Task;
                        if (table.Targets.Names.Count > 1)
                        {
                            await finished.WaitAsync(cancellationToken);
                        }
                    }
                    // A request for the table that comes while this one waits joins it: its changes were made before
                    // it, so the wait starts again from a later position until no request came meanwhile.
                    while (true)
                    {
                        int asked;
                        lock (_rebuildsQueued)
                        {
                            asked = _rebuildsQueued[request.Table];
                        }
                        if (table is not null)
                        {
                            await CatchUpBeforeRebuildAsync(source, request.Table, cancellationToken);
                        }
                        lock (_rebuildsQueued)
                        {
                            if (_rebuildsQueued[request.Table] == asked)
                            {
                                _rebuildsQueued.Remove(request.Table);
                                break;
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    _rebuilds.Writer.TryWrite(request);
                    throw;
                }
                if (table is not null && await planner.PlanRebuildAsync(tables, table, request.Reason, cancellationToken) is { } job)
                {
                    planned.TryWrite(job);
                }
                else
                {
                    Interlocked.Decrement(ref _backfilling);
                }
            }
        }
        finally
        {
            planned.TryComplete();
        }
    }

    /// <summary>Counts a finished backfill and wakes rebuilds waiting for it.</summary>
    private void BackfillFinished()
    {
        Interlocked.Decrement(ref _backfilling);
        Interlocked.Exchange(ref _backfillFinished, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Runs <paramref name="parts"/> side by side until <paramref name="cancellationToken"/> is cancelled; the first
    /// to fail stops the others, and its failure is thrown.</summary>
    private static async Task TogetherAsync(CancellationToken cancellationToken, params Func<CancellationToken, Task>[] parts)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        async Task RunAsync(Func<CancellationToken, Task> part)
        {
            try
            {
                await part(failed.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !failed.IsCancellationRequested)
            {
                await failed.CancelAsync();
                throw;
            }
        }
        await Task.WhenAll(parts.Select(RunAsync));
    }

    /// <summary>The start-up checks of the source: server settings and role, the tables, the publication.</summary>
    /// <returns>The configured tables, and the relations of every published table (nested and join tables too).</returns>
    private async Task<(TableRegistry Tables, List<RelationInfo> Relations)> PrepareSourceAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        // The server's version, wal_level and the role's REPLICATION were checked just before, through the same source.
        PgTypeCatalog types;
        await using (var connection = await source.DataSource.OpenConnectionAsync(cancellationToken))
        {
            types = await PgTypeCatalog.LoadAsync(connection, cancellationToken);
        }
        var described = (await source.DescribeTablesAsync([.. _options.Tables], cancellationToken)).Select(d => d.Get()).ToList();
        var nested = await ResolveNestedAsync(source, described, types, cancellationToken);
        var configured = described.Select(t => t.Relation.QualifiedName).ToHashSet(StringComparer.Ordinal);
        // Nested and join tables are published like configured ones: their changes rebuild the documents above them.
        var related = (await source.DescribeTablesAsync([.. nested.Values.SelectMany(NestedRelations.TablesOf).Distinct(StringComparer.Ordinal)
            .Where(t => !configured.Contains(t)).Select(t => new TableOptions { Table = t })], cancellationToken)).Select(d => d.Get());
        var published = await source.EnsurePublicationAsync([.. described, .. related], cancellationToken);
        foreach (var table in published)
        {
            if (await source.GeneratedColumnsMissingAsync(table, cancellationToken) is { } missing)
            {
                ReplicationLog.GeneratedColumnsMissing(_logger, table.Relation.QualifiedName, missing);
            }
            else if (table.Options.ReadBackGeneratedColumns && configured.Contains(table.Relation.QualifiedName)
                && GeneratedColumns.Unpublished(table) is { Count: > 0 } readBack)
            {
                // Read back with every row at flush, through the same statement as nested fields.
                var name = table.Relation.QualifiedName;
                nested[name] = [NestedPlan.ForGeneratedColumns(table, readBack.Select(c => (c.Name, c.TypeOid)), types), .. nested.GetValueOrDefault(name) ?? []];
                var columns = string.Join(", ", readBack.Select(c => c.Name));
                ReplicationLog.GeneratedColumnsReadBack(_logger, name, columns);
            }
        }
        var registry = new TableRegistry(published.Where(t => configured.Contains(t.Relation.QualifiedName)), types, source.DataSource, nested);
        return (registry, [.. published.Select(t => t.Relation)]);
    }

    /// <summary>Resolves every table's <c>Nested</c> entries against the catalog (relation kinds, replica identities).</summary>
    /// <exception cref="ConfigurationException">An entry cannot be resolved; the message names the setting and the fix.</exception>
    private static async Task<Dictionary<string, IReadOnlyList<NestedPlan>>> ResolveNestedAsync(SourceDatabase source, List<SourceTable> tables, PgTypeCatalog types,
        CancellationToken cancellationToken)
    {
        var nested = new Dictionary<string, IReadOnlyList<NestedPlan>>(StringComparer.Ordinal);
        await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
        foreach (var table in tables.Where(t => t.Options.Nested is { Count: > 0 }))
        {
            nested[table.Relation.QualifiedName] = await NestedRelations.ResolveAsync(connection, table, types, cancellationToken);
        }
        return nested;
    }
}

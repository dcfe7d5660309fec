using Microsoft.Extensions.Logging;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>An in-process <see cref="SyncService"/> running against a <see cref="SyncHarness"/>, with the checks of the
/// convergence tests: wait until the slot has caught up, then compare collections with their expected documents.</summary>
internal sealed class SyncRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers;

    private SyncRun(SyncHarness harness, WalSyncOptions options)
    {
        Harness = harness;
        Options = options;
        _loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        Service = new SyncService(options, _loggers);
        Service.Streaming += () => StreamingStarted.TrySetResult();
        Running = Service.RunAsync(_stop.Token);
    }

    /// <summary>The database and Typesense.</summary>
    public SyncHarness Harness { get; }

    /// <summary>Leave the slot in place on dispose, for a next run that resumes from it.</summary>
    public bool KeepSlot { get; set; }

    /// <summary>The service.</summary>
    public SyncService Service { get; }

    /// <summary>The options the service runs with.</summary>
    public WalSyncOptions Options { get; }

    /// <summary>The service's run; it ends when stopped or failed.</summary>
    public Task Running { get; }

    /// <summary>Every log line of the run.</summary>
    public RecordingLoggerProvider Logs { get; } = new();

    /// <summary>Completes when the snapshot copy is in Typesense and streaming begins.</summary>
    public TaskCompletionSource StreamingStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the service; returns at once (the snapshot copy runs concurrently with what the test does next).</summary>
    public static SyncRun Start(SyncHarness harness, WalSyncOptions options) => new(harness, options);

    /// <summary>Starts the service and waits until it streams.</summary>
    public static async Task<SyncRun> StartStreamingAsync(SyncHarness harness, WalSyncOptions options)
    {
        var run = new SyncRun(harness, options);
        try
        {
            await Task.WhenAny(run.StreamingStarted.Task, run.Running).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Assert.Fail("The sync did not start streaming within 60 s. Its log:\n" + string.Join("\n", run.Logs.Lines.TakeLast(40)));
        }
        if (run.Running.IsCompleted)
        {
            await run.Running;
            Assert.Fail("The sync stopped before streaming.");
        }
        return run;
    }

    /// <summary>Waits until every backfill has finished and the slot confirms everything written so far (see <see cref="SlotCatchUp"/>).</summary>
    public async Task CatchUpAsync()
    {
        await StreamingStarted.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await Eventually.HoldsAsync(() => Task.FromResult(!Service.Backfilling || Running.IsCompleted), TimeSpan.FromSeconds(90), "the backfills to finish");
        await SlotCatchUp.WaitAsync(Harness, Running, TimeSpan.FromSeconds(90));
    }

    /// <summary>Differences between <paramref name="collection"/> (without prefix) and the documents of <paramref name="expectedQuery"/>
    /// (columns: id text, document jsonb; see <see cref="ExpectedDocuments"/>).</summary>
    public async Task<List<string>> DifferencesAsync(string collection, string expectedQuery) =>
        DocumentComparison.Differences(await ExpectedDocuments.LoadAsync(Harness.ConnectionString, expectedQuery), await Harness.DocumentsAsync(collection));

    /// <summary>Catches up, then asserts that <paramref name="collection"/> equals what <paramref name="expectedQuery"/> gives.</summary>
    public async Task AssertConvergedAsync(string collection, string expectedQuery)
    {
        await CatchUpAsync();
        var differences = await DifferencesAsync(collection, expectedQuery);
        Assert.True(differences.Count == 0, $"{differences.Count} differences in {collection}:\n{string.Join("\n", differences.Take(20))}");
    }

    /// <summary>Stops the service gracefully and waits for it.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Running.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync();
            await Running.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception) when (Running.IsFaulted)
        {
            // The test has already looked at the failure it expected, or reports its own.
        }
        // Slots are per cluster and the shared test cluster has max_replication_slots = 20: each run drops its own.
        await Eventually.HoldsAsync(KeepSlot ? () => Task.FromResult(true) : async () =>
        {
            try
            {
                await Harness.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Harness.Slot}'");
                return true;
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.ObjectInUse)
            {
                return false; // The walsender is still exiting.
            }
        }, TimeSpan.FromSeconds(30), $"slot {Harness.Slot} to be dropped");
        _stop.Dispose();
        _loggers.Dispose();
        Logs.Dispose();
    }
}

using System.Diagnostics.Metrics;
using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Tests.Faults;
using WalSync.Tests.Infrastructure;
using WalSync.Typesense;

namespace WalSync.Tests.DeadLetters;

/// <summary>Poison documents through the whole pipeline and the <c>walsync dead-letters</c> command; one subclass per store.</summary>
public abstract class DeadLetterPipelineTests : IAsyncLifetime
{
    protected const string Expected = "SELECT id::text AS id, name, note, price::float8 AS price FROM items";

    protected SyncHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Harness = await SyncHarness.StartAsync("poison");
        await Harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, note text, price numeric);
            INSERT INTO items SELECT g, 'item ' || g, NULL, g FROM generate_series(1, 50) AS g;
            """);
    }

    public virtual async Task DisposeAsync() => await Harness.DisposeAsync();

    /// <summary>Points <paramref name="options"/> at the store under test.</summary>
    protected abstract void UseStore(DeadLetterOptions options);

    /// <summary>Environment variables that make a <c>walsync</c> process use the store under test.</summary>
    protected abstract Dictionary<string, string> StoreEnvironment();

    protected WalSyncOptions Options()
    {
        var options = Harness.Options(("public.items", "items"));
        UseStore(options.DeadLetter);
        return options;
    }

    protected async Task<IReadOnlyList<StoredDeadLetter>> StoredAsync(bool includeRetried = false)
    {
        await using var dataSource = NpgsqlDataSource.Create(Harness.ConnectionString);
        return await DeadLetterStores.Create(Options().DeadLetter, dataSource).ListAsync(new DeadLetterQuery { IncludeRetried = includeRetried }, CancellationToken.None);
    }

    /// <summary>Changes the type of the collection's <c>note</c> field behind WalSync's back.</summary>
    protected Task RetypeNoteAsync(string from, string to) => Harness.Client.UpdateCollectionFieldsAsync(Harness.Prefix + "items",
        [new FieldSchema { Name = "note", Type = from, Drop = true }, new FieldSchema { Name = "note", Type = to, Optional = true }], CancellationToken.None);

    protected async Task<NpgsqlLogSequenceNumber> CurrentLsnAsync() =>
        await PostgresServer.ScalarAsync<NpgsqlLogSequenceNumber>(Harness.ConnectionString, "SELECT pg_current_wal_insert_lsn()");

    [Fact]
    public async Task Flush_DocumentTypesenseRejects_DeadLetterStoredBeforeTheSlotPassesAndTheOthersArrive()
    {
        using var logs = new LogCapture();
        long counted = 0;
        using var meter = CountDeadLetters(n => Interlocked.Add(ref counted, n));
        using var stop = new CancellationTokenSource();
        var running = new SyncService(Options(), logs.Factory).RunAsync(stop.Token);
        await Harness.WaitForConvergenceAsync("items", Expected, running);
        await RetypeNoteAsync("string", "int64");
        var seen = logs.CommitEnds.Count;
        var before = await CurrentLsnAsync();

        await Harness.ExecuteAsync("INSERT INTO items VALUES (1001, 'poison', 'not a number', 1), (1002, 'fine', NULL, 2), (1003, 'fine too', NULL, 3)");

        var end = await logs.NextCommitEndAsync(seen);
        // The slot is read first: once it has passed the transaction, the dead letter must already be stored.
        await Eventually.HoldsAsync(async () =>
        {
            var passed = await Harness.ConfirmedFlushLsnAsync() >= end;
            var stored = await StoredAsync();
            Assert.True(!passed || stored.Any(s => s.Letter.DocumentId == "1001"), $"the slot passed {end} before the dead letter was stored");
            return passed;
        }, TimeSpan.FromSeconds(30), $"the slot to pass the transaction ending at {end}");
        var letter = Assert.Single(await StoredAsync()).Letter;
        Assert.Equal(("public.items", Harness.Prefix + "items", "1001", "upsert"), (letter.Table, letter.Collection, letter.DocumentId, letter.Operation));
        Assert.Equal(["1001"], letter.Key);
        // The change's own LSN: the insert is the first WAL record after 'before', and it precedes the commit.
        Assert.True(letter.Lsn >= before && letter.Lsn < end, $"dead letter LSN {letter.Lsn} is not within [{before}, {end})");
        Assert.Contains("(400)", letter.Error, StringComparison.Ordinal);
        Assert.Contains("note", letter.Error, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"1001\"", letter.Document, StringComparison.Ordinal);
        var documents = await Harness.DocumentsAsync("items");
        Assert.True(documents.ContainsKey("1002") && documents.ContainsKey("1003"));
        Assert.False(documents.ContainsKey("1001"));
        Assert.True(Interlocked.Read(ref counted) >= 1, "walsync.dead_letters was not counted");
        await stop.CancelAsync();
        await running;
    }

    // A backfilled row is written without its document id at hand: a rejected one must still be stored under it.
    [Fact]
    public async Task Backfill_RowTypesenseCannotHold_DeadLetterNamesItsDocumentAndTheOthersArrive()
    {
        await Harness.ExecuteAsync("UPDATE items SET price = 'NaN' WHERE id = 7");
        using var stop = new CancellationTokenSource();
        var running = new SyncService(Options(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).RunAsync(stop.Token);

        await Eventually.HoldsAsync(async () => (await StoredAsync()).Count == 1 && (await Harness.DocumentsAsync("items")).Count == 49,
            TimeSpan.FromSeconds(30), "49 documents and one dead letter");
        var letter = Assert.Single(await StoredAsync()).Letter;
        Assert.Equal(("7", "upsert"), (letter.DocumentId, letter.Operation));
        Assert.Equal(["7"], letter.Key);
        Assert.Contains("NaN", letter.Error, StringComparison.Ordinal);
        Assert.False((await Harness.DocumentsAsync("items")).ContainsKey("7"));
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task ListAndRetry_AfterTheCauseIsFixed_DocumentsWrittenOrDeletedAndDeadLettersMarked()
    {
        var options = Options();
        using (var stop = new CancellationTokenSource())
        {
            var running = new SyncService(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).RunAsync(stop.Token);
            await Harness.WaitForConvergenceAsync("items", Expected, running);
            await RetypeNoteAsync("string", "int64");
            await Harness.ExecuteAsync("""
                INSERT INTO items VALUES (1001, 'rejected', 'text in an int64 field', 1), (1002, 'unmappable', NULL, 'NaN'), (1003, 'gone later', 'x', 3);
                INSERT INTO items VALUES (1004, 'fine', NULL, 4);
                """);
            await Eventually.HoldsAsync(async () => (await StoredAsync()).Count == 3 && (await Harness.DocumentsAsync("items")).ContainsKey("1004"),
                TimeSpan.FromSeconds(30), "three dead letters");
            await stop.CancelAsync();
            await running;
        }
        var config = WalSyncProcess.WriteConfig(options);

        var (listCode, listed) = await WalSyncAsync("dead-letters", "list", "--config", config);
        var (limitCode, limited) = await WalSyncAsync("dead-letters", "list", "--config", config, "--table", "items", "--limit", "1");
        var (otherCode, other) = await WalSyncAsync("dead-letters", "list", "--config", config, "--table", "public.orders");
        var (failingCode, failing) = await WalSyncAsync("dead-letters", "retry", "--config", config);

        Assert.Equal((0, 0, 0), (listCode, limitCode, otherCode));
        var lines = Lines(listed);
        Assert.Equal(3, lines.Count);
        Assert.All(lines, line => Assert.Equal("public.items", line[2]));
        Assert.Equal(["1001", "1002", "1003"], lines.Select(line => line[3]).Order(StringComparer.Ordinal));
        Assert.All(lines, line => Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", line[4]));
        Assert.Contains(lines, line => line[3] == "1002" && line[6].Contains("NaN", StringComparison.Ordinal));
        Assert.Contains(lines, line => line[3] == "1001" && line[6].Contains("note", StringComparison.Ordinal));
        Assert.Single(Lines(limited));
        Assert.Empty(Lines(other));
        Assert.Equal(1, failingCode);
        Assert.Contains("3 still failing", failing, StringComparison.Ordinal);

        await RetypeNoteAsync("int64", "string");
        await Harness.ExecuteAsync("UPDATE items SET price = 2.5 WHERE id = 1002; DELETE FROM items WHERE id = 1003;");
        await Harness.Client.ImportAsync(Harness.Prefix + "items", "{\"id\":\"1003\",\"name\":\"stale\"}\n"u8.ToArray(), ImportAction.Upsert, CancellationToken.None);
        var (retryCode, retried) = await WalSyncAsync("dead-letters", "retry", "--config", config);

        Assert.True(retryCode == 0, retried);
        Assert.Contains("2 written, 1 deleted (row gone), 0 still failing", retried, StringComparison.Ordinal);
        var documents = await Harness.DocumentsAsync("items");
        Assert.Equal("text in an int64 field", documents["1001"]["note"]!.GetValue<string>());
        Assert.Equal(2.5, documents["1002"]["price"]!.GetValue<double>());
        Assert.False(documents.ContainsKey("1003"));
        Assert.Empty(await StoredAsync());
        Assert.All(await StoredAsync(includeRetried: true), s => Assert.NotNull(s.RetriedAt));
        var (_, afterRetry) = await WalSyncAsync("dead-letters", "list", "--config", config, "--all");
        Assert.Equal(3, Lines(afterRetry).Count(line => line[7] != "-"));
    }

    protected async Task<(int Code, string Output)> WalSyncAsync(params string[] arguments)
    {
        await using var process = WalSyncProcess.Start(arguments, StoreEnvironment());
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }

    /// <summary>The tab-separated lines of <c>dead-letters list</c>, split into columns.</summary>
    private static List<string[]> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split('\t')).Where(c => c.Length == 8).ToList();

    private static MeterListener CountDeadLetters(Action<long> add)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Telemetry.WalSyncTelemetry.Name && instrument.Name == "walsync.dead_letters")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => add(value));
        listener.Start();
        return listener;
    }
}

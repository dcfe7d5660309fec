using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Backfill;

/// <summary>Backfills in physical order (a sequential scan, then ranges of pages) while rows move between pages: updated
/// onto pages already read, with a TOASTed column the stream sends as unchanged, and the whole table rewritten by VACUUM
/// FULL; a scan that reaches Backfill:ScanSeconds goes on in ranges of pages.</summary>
public sealed class PhysicalOrderTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text, jsonb_build_object('name', name, 'body', body) FROM items";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("physical", requireEmulator: true);
        // About 130 rows a page (body is stored out of line), 62 pages; the first two emptied, so the free space map
        // sends rows that move onto pages the backfill reads first.
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text, body text);
            ALTER TABLE items ALTER body SET STORAGE EXTERNAL;
            INSERT INTO items SELECT g, 'item ' || g, repeat(md5(g::text), 100) FROM generate_series(1, 8000) g;
            DELETE FROM items WHERE ctid < '(2,0)';
            """);
        await _harness.ExecuteAsync("VACUUM ANALYZE items");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task RunAsync_RowsUpdatedOntoPagesAlreadyRead_TheirDocumentsHaveEveryColumn()
    {
        await using var run = await StartSlowBackfillAsync();
        var reached = await WaitForPageAsync(2);

        // Only name changes: the stream sends body as unchanged, and the old versions, on pages not read yet, are dead
        // by the time their chunk reads them. The documents must still get their body.
        // Chunks in flight (up to 2, of up to 4 pages while the first pages are empty) read ahead of the saved progress.
        await _harness.ExecuteAsync($"UPDATE items SET name = 'moved ' || id WHERE ctid >= '({reached + 16},0)' AND ctid < '({reached + 20},0)'");
        var movedOntoReadPages = await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
            $"SELECT count(*) FROM items WHERE name LIKE 'moved %' AND (ctid::text::point)[0] < {reached}");
        var finished = await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM walsync.backfills WHERE finished_at IS NOT NULL");
        _harness.Emulator!.Faults.SetDelay(TimeSpan.Zero);

        await run.AssertConvergedAsync("items", Expected);
        Assert.True(movedOntoReadPages > 0, "no updated row landed on a page the backfill had read");
        Assert.Equal(0, finished);
        Assert.Contains(run.Logs.Lines, l => l.Contains("starts after its first page", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TableRewrittenByVacuumFull_ReadAgainFromItsFirstPage()
    {
        await using var run = await StartSlowBackfillAsync();
        await WaitForPageAsync(3);

        // VACUUM FULL packs the rows into the first pages, where rows from pages not read yet land on pages already read.
        await _harness.ExecuteAsync("DELETE FROM items WHERE id % 3 = 0");
        await _harness.ExecuteAsync("VACUUM FULL items");
        var finished = await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM walsync.backfills WHERE finished_at IS NOT NULL");
        _harness.Emulator!.Faults.SetDelay(TimeSpan.Zero);

        await run.AssertConvergedAsync("items", Expected);
        Assert.Equal(0, finished);
        // VACUUM FULL waited for the sequential scan's lock: the scan gave way at its next chunk.
        Assert.Contains(run.Logs.Lines, l => l.Contains("another statement waits for a lock on the table", StringComparison.Ordinal));
        Assert.Contains(run.Logs.Lines, l => l.Contains("the table was rewritten", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ScanLongerThanScanSeconds_GoesOnInRangesOfPagesAndConverges()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 130;
        options.Backfill.ScanSeconds = 1;
        _harness.Emulator!.Faults.SetDelay(TimeSpan.FromMilliseconds(300));
        await using var run = await SyncRun.StartStreamingAsync(_harness, options);
        await WaitForPageAsync(2);
        // Changed while the scan is paused behind the slow imports: inside its window, on pages it has not read yet.
        await _harness.ExecuteAsync("UPDATE items SET name = 'changed ' || id WHERE ctid >= '(30,0)' AND ctid < '(32,0)'");
        await Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains("Backfill:ScanSeconds, 1 s, reached", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the scan to stop at its time limit");
        _harness.Emulator!.Faults.SetDelay(TimeSpan.Zero);

        await run.AssertConvergedAsync("items", Expected);
        // Not started over: one start line, the first page's.
        Assert.Single(run.Logs.Lines, l => l.Contains("Backfill of public.items into ", StringComparison.Ordinal) && l.Contains(" starts after ", StringComparison.Ordinal));
        Assert.Contains(run.Logs.Lines, l => l.Contains("going on in ranges of pages", StringComparison.Ordinal));
    }

    /// <summary>Starts a run whose backfill reads about a page a chunk, each chunk's import slowed down.</summary>
    private async Task<SyncRun> StartSlowBackfillAsync()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Backfill.ChunkRows = 130;
        _harness.Emulator!.Faults.SetDelay(TimeSpan.FromMilliseconds(300));
        return await SyncRun.StartStreamingAsync(_harness, options);
    }

    /// <summary>Waits until the backfill's saved progress has passed <paramref name="page"/> pages and no more than
    /// twenty, so most pages are still to read; returns the page reached.</summary>
    private async Task<long> WaitForPageAsync(long page)
    {
        long next = -1;
        await Eventually.HoldsAsync(async () =>
        {
            next = await PostgresServer.ScalarAsync<long>(_harness.ConnectionString,
                "SELECT coalesce(max(last_key[3]::bigint), -1) FROM walsync.backfills WHERE table_name = 'public.items' AND finished_at IS NULL AND last_key[1] IS NULL");
            return next >= page;
        }, TimeSpan.FromSeconds(60), $"the backfill to pass page {page}", () => Task.FromResult($"at page {next}"));
        Assert.InRange(next, page, 20);
        return next;
    }
}

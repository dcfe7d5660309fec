using System.Text.Json.Nodes;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>
/// WalSync streaming the table of the change-kind tests: an integer key, a text, an integer, a jsonb object, a large
/// text stored out of line (STORAGE EXTERNAL, so an update that leaves it alone sends it as an unchanged TOAST value)
/// and a soft-delete column. <c>big('seed')</c> makes a 3.2 kB value that does not compress.
/// </summary>
internal sealed class ItemsTable : IAsyncDisposable
{
    /// <summary>The expected documents: every row not soft-deleted, every column a field.</summary>
    public const string Expected =
        "SELECT id::text, jsonb_build_object('note', note, 'n', n, 'doc', doc, 'big', big, 'deleted', deleted) FROM items WHERE deleted IS NOT TRUE";

    private ItemsTable(SyncHarness harness, SyncRun run)
    {
        Harness = harness;
        Run = run;
    }

    /// <summary>The database and Typesense.</summary>
    public SyncHarness Harness { get; }

    /// <summary>The running sync.</summary>
    public SyncRun Run { get; }

    /// <summary>Creates the table with REPLICA IDENTITY <paramref name="identity"/> (DEFAULT or FULL), starts WalSync,
    /// inserts <paramref name="rows"/> while it streams and waits until the collection equals the table.</summary>
    public static async Task<ItemsTable> StartAsync(string identity, string rows)
    {
        var harness = await SyncHarness.StartAsync("items");
        await harness.ExecuteAsync($"""
            CREATE FUNCTION big(seed text) RETURNS text LANGUAGE sql AS $$ SELECT string_agg(md5(seed || g), '') FROM generate_series(1, 100) AS g $$;
            CREATE TABLE items (id integer PRIMARY KEY, note text, n integer, doc jsonb, big text, deleted boolean);
            ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL, REPLICA IDENTITY {identity};
            """);
        var options = harness.Options(("public.items", "items"));
        options.Tables[0].SoftDeleteColumn = "deleted";
        // Long enough that the statements of one transaction land in one batch, where changes to a document coalesce.
        options.Batch = new BatchOptions { FlushInterval = TimeSpan.FromMilliseconds(200), MaxRows = 1000 };
        var items = new ItemsTable(harness, await SyncRun.StartStreamingAsync(harness, options));
        await items.ExecuteAsync(rows);
        await items.AssertConvergedAsync();
        return items;
    }

    /// <summary>Runs SQL (several statements run as one transaction).</summary>
    public Task ExecuteAsync(string sql) => Harness.ExecuteAsync(sql);

    /// <summary>Waits until the slot has caught up, then asserts that the collection equals <see cref="Expected"/>.</summary>
    public Task AssertConvergedAsync() => Run.AssertConvergedAsync("items", Expected);

    /// <summary>The collection's documents by id.</summary>
    public Task<Dictionary<string, JsonObject>> DocumentsAsync() => Harness.DocumentsAsync("items");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Run.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

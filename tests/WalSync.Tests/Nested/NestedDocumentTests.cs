using WalSync.Tests.Convergence;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Nested;

/// <summary>
/// Documents built from related tables: the first fill builds them, and every change to a nested or join table
/// rebuilds exactly the roots above its old and new rows. Each step is checked against documents PostgreSQL builds.
/// </summary>
public sealed class NestedDocumentTests
{
    [Fact]
    public async Task RunAsync_ChangesToNestedAndJoinTables_RootDocumentsFollow()
    {
        await using var harness = await SyncHarness.StartAsync("nested");
        await harness.ExecuteAsync(NestedSchema.Create);
        await harness.ExecuteAsync(NestedSchema.Seed);
        await using var run = await SyncRun.StartStreamingAsync(harness, NestedSchema.Options(harness));
        await AssertBothAsync(run);

        // Plain columns at every level; a project moves to another organization; a membership ends and one begins.
        await harness.ExecuteAsync("""
            UPDATE organizations SET name = 'renamed' WHERE id = 2;
            UPDATE projects SET title = 'retitled' WHERE id = 3;
            UPDATE projects SET org_id = 4 WHERE id = 1;
            DELETE FROM members WHERE user_id = 1 AND org_id = 1;
            INSERT INTO members VALUES (6, 1);
            UPDATE categories SET name = 'renamed category' WHERE id = 2;
            UPDATE products SET category_id = NULL WHERE id = 1;
            UPDATE products SET category_id = 3 WHERE id = 5;
            UPDATE reviews SET product_id = 2 WHERE id = 1;
            DELETE FROM reviews WHERE id = 2;
            UPDATE tags SET label = NULL WHERE id = 1;
            DELETE FROM product_tags WHERE product_id = 2;
            """);
        await AssertBothAsync(run);

        // A root and its rows go; a new organization with projects; a referenced row leaves.
        await harness.ExecuteAsync("""
            DELETE FROM members WHERE org_id = 3;
            DELETE FROM projects WHERE org_id = 3;
            DELETE FROM organizations WHERE id = 3;
            INSERT INTO organizations VALUES (5, 'org 5', NULL);
            INSERT INTO projects VALUES (11, 5, 'p11', NULL), (12, 5, NULL, 2);
            INSERT INTO members VALUES (2, 5), (3, 5);
            DELETE FROM reviews WHERE product_id = 12;
            DELETE FROM product_tags WHERE product_id = 12;
            DELETE FROM products WHERE id = 12;
            INSERT INTO users VALUES (7, 'user 7', NULL);
            INSERT INTO members VALUES (7, 5);
            """);
        await AssertBothAsync(run);

        await harness.ExecuteAsync("TRUNCATE projects");
        await harness.ExecuteAsync("DELETE FROM product_tags; TRUNCATE reviews;");
        await AssertBothAsync(run);
    }

    [Fact]
    public async Task RunAsync_ChangesWhileStopped_ReachEveryAffectedRootAfterRestart()
    {
        await using var harness = await SyncHarness.StartAsync("nested_stopped");
        await harness.ExecuteAsync(NestedSchema.Create);
        await harness.ExecuteAsync(NestedSchema.Seed);
        var options = NestedSchema.Options(harness);
        await using (var first = await SyncRun.StartStreamingAsync(harness, options))
        {
            await AssertBothAsync(first);
            first.KeepSlot = true;
            await first.StopAsync();
        }

        // Organization 1 is held by users 1 and 4, category 2 by several products: every one of them must be rebuilt.
        await harness.ExecuteAsync("""
            UPDATE organizations SET name = 'while stopped' WHERE id = 1;
            UPDATE projects SET org_id = 2 WHERE id = 4;
            UPDATE categories SET name = 'while stopped' WHERE id = 2;
            DELETE FROM reviews WHERE id IN (3, 4, 5);
            INSERT INTO product_tags VALUES (1, 1) ON CONFLICT DO NOTHING;
            """);

        await using var second = await SyncRun.StartStreamingAsync(harness, options);
        await AssertBothAsync(second);
    }

    [Fact]
    public async Task Run_NestedTableWithoutForeignKey_ExitsWithCode2NamingTheTablesAndTheSetting()
    {
        await using var harness = await SyncHarness.StartAsync("nested_nofk");
        await harness.ExecuteAsync(NestedSchema.Create + "CREATE TABLE notes (id integer PRIMARY KEY, body text);");
        var options = NestedSchema.Options(harness);
        options.Tables[1].Nested!.Add(new WalSync.Configuration.NestedOptions { Field = "notes", Table = "public.notes" });

        await using var process = WalSyncProcess.Run(options);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(2, code);
        Assert.Contains("no foreign key links public.products and public.notes", process.Output, StringComparison.Ordinal);
        Assert.Contains("Through", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    private static async Task AssertBothAsync(SyncRun run)
    {
        await run.AssertConvergedAsync("users", NestedSchema.ExpectedUsers);
        await run.AssertConvergedAsync("products", NestedSchema.ExpectedProducts);
    }
}

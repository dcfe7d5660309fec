namespace WalSync.Tests.Convergence;

/// <summary>
/// Every change kind end to end on a real PostgreSQL, with REPLICA IDENTITY DEFAULT (updates and deletes carry the old
/// key) and FULL (they carry the whole old row): INSERT and UPDATE upsert, a key change deletes the old document,
/// DELETE deletes, TRUNCATE empties the collection in order with the changes around it, and the changes to one
/// document within a transaction (one batch) are applied in commit order.
/// </summary>
public sealed class ChangeKindTests
{
    private const string TenRows = "INSERT INTO items SELECT g, 'row ' || g, g, jsonb_build_object('g', g), NULL, false FROM generate_series(1, 10) AS g;";

    public static TheoryData<string> Identities => new() { "DEFAULT", "FULL" };

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_InsertUpdateDeleteAndKeyChange_DocumentsFollowRows(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, TenRows);

        await items.ExecuteAsync("""
            INSERT INTO items VALUES (11, 'new', 11, '{"a": [1, 2.50], "b": {"c": null}}', big('11'), false);
            UPDATE items SET note = 'changed', n = NULL, doc = NULL WHERE id = 2;
            DELETE FROM items WHERE id = 3;
            UPDATE items SET id = 104 WHERE id = 4;
            UPDATE items SET id = 105, note = 'moved and changed' WHERE id = 5;
            """);

        await items.AssertConvergedAsync();
        var documents = await items.DocumentsAsync();
        Assert.DoesNotContain("3", documents.Keys);
        Assert.DoesNotContain("4", documents.Keys);
        Assert.Equal("row 4", documents["104"]["note"]!.GetValue<string>());
        Assert.False(documents["2"].ContainsKey("n"));
    }

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_ManyChangesToOneDocumentInOneTransaction_AppliedInCommitOrder(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, TenRows);

        await items.ExecuteAsync("""
            INSERT INTO items VALUES (20, 'first', 1, NULL, NULL, false);
            UPDATE items SET note = 'second' WHERE id = 20;
            UPDATE items SET id = 21 WHERE id = 20;
            DELETE FROM items WHERE id = 21;
            INSERT INTO items VALUES (21, 'again', 2, NULL, big('21'), false);
            UPDATE items SET n = 3 WHERE id = 21;
            INSERT INTO items VALUES (22, 'short-lived', 1, NULL, NULL, false);
            DELETE FROM items WHERE id = 22;
            UPDATE items SET id = 22 WHERE id = 1;
            UPDATE items SET note = 'moved twice', id = 23 WHERE id = 22;
            UPDATE items SET id = 1 WHERE id = 6;
            """);

        await items.AssertConvergedAsync();
        var documents = await items.DocumentsAsync();
        Assert.DoesNotContain("20", documents.Keys);
        Assert.DoesNotContain("22", documents.Keys);
        Assert.Equal(3, documents["21"]["n"]!.GetValue<int>());
        Assert.Equal("row 6", documents["1"]["note"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_TruncateBetweenChanges_RowsWrittenAfterItSurvive(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, TenRows);

        // Within one transaction, then across transactions that share a batch.
        await items.ExecuteAsync("""
            INSERT INTO items VALUES (30, 'before', 1, NULL, NULL, false);
            TRUNCATE items;
            INSERT INTO items VALUES (31, 'after', 1, NULL, big('31'), false), (32, 'after', 2, NULL, NULL, false);
            UPDATE items SET n = 5 WHERE id = 31;
            """);
        await items.AssertConvergedAsync();
        Assert.Equal(["31", "32"], (await items.DocumentsAsync()).Keys.Order());

        await items.ExecuteAsync("INSERT INTO items VALUES (40, 'before', 1, NULL, NULL, false)");
        await items.ExecuteAsync("TRUNCATE items");
        await items.ExecuteAsync("INSERT INTO items VALUES (41, 'after', 1, NULL, NULL, false)");
        await items.AssertConvergedAsync();
        Assert.Equal(["41"], (await items.DocumentsAsync()).Keys);
    }
}

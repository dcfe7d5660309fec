namespace WalSync.Tests.Convergence;

/// <summary>
/// Updates that leave a large, out-of-line TOASTed value alone: pgoutput sends it as "unchanged" ('u'), and that must
/// never overwrite what Typesense holds. With REPLICA IDENTITY FULL the value comes from the old row; with DEFAULT from
/// an earlier change to the row in the same batch, else the update is sent as a partial document
/// (<c>action=update</c>), and when that finds no document (or cannot be partial) the row is read back whole.
/// </summary>
public sealed class UnchangedToastTests
{
    private const string Rows = "INSERT INTO items SELECT g, 'row ' || g, g, jsonb_build_object('g', g, 'keep', true), big(g::text), false FROM generate_series(1, 5) AS g;";

    public static TheoryData<string> Identities => new() { "DEFAULT", "FULL" };

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_UpdateLeavesLargeValueAlone_DocumentKeepsIt(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);

        await items.ExecuteAsync("UPDATE items SET note = 'changed', n = NULL WHERE id <= 3");

        await items.AssertConvergedAsync();
        Assert.Equal(3200, (await items.DocumentsAsync())["1"]["big"]!.GetValue<string>().Length);
    }

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_LargeValueChangedThenRowUpdatedInOneTransaction_DocumentHasNewValue(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);

        await items.ExecuteAsync("""
            UPDATE items SET big = big('new 1') WHERE id = 1;
            UPDATE items SET note = 'after the large value' WHERE id = 1;
            INSERT INTO items VALUES (6, 'inserted', 6, NULL, big('6'), false);
            UPDATE items SET n = 60 WHERE id = 6;
            """);

        await items.AssertConvergedAsync();
    }

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_UpdateOfRowWhoseDocumentIsMissing_WritesWholeRow(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);
        await items.Harness.Client.DeleteDocumentsAsync(items.Harness.Prefix + "items", ["2"], CancellationToken.None);

        await items.ExecuteAsync("UPDATE items SET n = 20 WHERE id = 2");

        await items.AssertConvergedAsync();
        Assert.Equal(3200, (await items.DocumentsAsync())["2"]["big"]!.GetValue<string>().Length);
    }

    // Regression: the update of row 3 into key 1 was merged into row 1's document, which kept row 1's large value.
    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_KeyMovedIntoKeyDeletedInSameTransaction_DocumentHoldsMovedRow(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);

        await items.ExecuteAsync("DELETE FROM items WHERE id = 1; UPDATE items SET id = 1, n = 31 WHERE id = 3;");

        await items.AssertConvergedAsync();
    }

    // Regression: the restore was merged into the document as it was before the soft delete, with the old large value.
    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_SoftDeletedAndRestoredInOneTransaction_DocumentHoldsNewValues(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);

        await items.ExecuteAsync("""
            UPDATE items SET deleted = true, big = big('while deleted') WHERE id = 4;
            UPDATE items SET deleted = false, note = 'restored' WHERE id = 4;
            UPDATE items SET deleted = true WHERE id = 5;
            """);

        await items.AssertConvergedAsync();
        Assert.DoesNotContain("5", (await items.DocumentsAsync()).Keys);
    }

    // Regression: a jsonb object sent as a partial update was merged into the stored object: its old keys stayed and
    // keys set to null disappeared.
    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_JsonObjectChangedWhileLargeValueUnchanged_ObjectReplaced(string identity)
    {
        await using var items = await ItemsTable.StartAsync(identity, Rows);

        await items.ExecuteAsync("""UPDATE items SET doc = '{"g": 0, "added": null, "nested": {"x": 1}}' WHERE id <= 2""");

        await items.AssertConvergedAsync();
        Assert.False((await items.DocumentsAsync())["1"]["doc"]!.AsObject().ContainsKey("keep"));
    }
}

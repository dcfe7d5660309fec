using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>
/// ALTER TABLE while WalSync streams: a new Relation message makes a new mapper, and the collection's schema follows
/// it (PATCH) before the documents written with it: added columns become fields, dropped columns stop being sent and
/// their fields are dropped, a widened type is altered in place, and a type the stored documents cannot take stops
/// WalSync with a message that names the field and the fix.
/// </summary>
public sealed class SchemaChangeTests
{
    public static TheoryData<string> Identities => new() { "DEFAULT", "FULL" };

    [Fact]
    public async Task RunAsync_ColumnsAddedWhileStreaming_FieldsAddedAndDocumentsCarryThem()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));

        await harness.ExecuteAsync("""
            ALTER TABLE t ADD COLUMN tags text[], ADD COLUMN meta jsonb;
            UPDATE t SET tags = ARRAY['a', NULL, 'b'], meta = '{"k": {"v": 1}}' WHERE id = 1;
            INSERT INTO t (id, note, n, tags) VALUES (10, 'new', 10, '{}');
            """);

        await run.AssertConvergedAsync("t", Expected($"'tags', {ExpectedSql.Array("tags", Expect.Value)}, 'meta', meta"));
        var fields = await FieldsAsync(harness);
        Assert.Equal("string[]", fields["tags"]);
        Assert.Equal("object", fields["meta"]);
    }

    // Binary values are asked for only when every published type can be read in binary: a column of another type added
    // while streaming comes in binary, so the stream restarts from the last acknowledged LSN in text mode. The column is
    // dropped before the restart reads the catalog, which would then allow binary again while the slot replays the inet
    // values: the process must stay in text.
    [Fact]
    public async Task RunAsync_ColumnOfTypeReadOnlyAsTextAddedWhileStreamingBinary_RestartsInTextAndLosesNothing()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await Eventually.HoldsAsync(() => Task.FromResult(run.Logs.Lines.Any(l => l.Contains(", binary values)", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the stream to start with binary values");
        // The first copy must be done: one still reading when the stream restarts reads the rows again after the drop,
        // without the address, which is then right but not what this test looks at.
        await run.CatchUpAsync();

        await harness.ExecuteAsync("""
            INSERT INTO t (id, note, n) VALUES (10, 'before', 10);
            ALTER TABLE t ADD COLUMN address inet;
            INSERT INTO t (id, note, n, address) VALUES (11, 'with an address', 11, '10.0.0.1/8');
            UPDATE t SET note = 'updated', address = '::1' WHERE id = 1;
            ALTER TABLE t DROP COLUMN address;
            INSERT INTO t (id, note, n) VALUES (12, 'after the drop', 12);
            """);

        await run.CatchUpAsync();
        var documents = await harness.DocumentsAsync("t");
        Assert.Equal("updated", documents["1"]["note"]!.GetValue<string>());
        Assert.Equal("before", documents["10"]["note"]!.GetValue<string>());
        Assert.Equal("with an address", documents["11"]["note"]!.GetValue<string>());
        Assert.Equal("after the drop", documents["12"]["note"]!.GetValue<string>());
        Assert.Equal("10.0.0.1/8", documents["11"]["address"]!.GetValue<string>());
        Assert.Contains(run.Logs.Lines, l => l.Contains("Streaming text values although Postgres:BinaryValues is on: pgoutput sent column public.t.address (type OID 869) in binary",
            StringComparison.Ordinal));
        Assert.Contains(run.Logs.Lines, l => l.Contains(", text values)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ColumnDroppedWhileStreaming_FieldDroppedAndNoLongerSent()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync("ALTER TABLE t DROP COLUMN note; UPDATE t SET n = n + 100, big = big || 'x' WHERE id <= 2; INSERT INTO t (id, n) VALUES (10, 10);");
        await run.CatchUpAsync();

        Assert.DoesNotContain("note", (await FieldsAsync(harness)).Keys);
        var documents = await harness.DocumentsAsync("t");
        // Documents written whole since lack the field. Typesense keeps a dropped field's values in the documents it
        // stored before (and a partial update leaves them), so those are not compared.
        Assert.All(["1", "2", "10"], id => Assert.False(documents[id].ContainsKey("note"), $"document {id} still has note"));
        Assert.Equal(101, documents["1"]["n"]!.GetValue<int>());
    }

    // Regression: the row was read back with the columns of the update's relation version, and the SELECT of the
    // dropped column failed the flush again after every restart.
    [Fact]
    public async Task RunAsync_ColumnDroppedAfterUpdateThatMustBeReadBack_RowWrittenWithoutIt()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await run.AssertConvergedAsync("t", Expected());
        await harness.Client.DeleteDocumentsAsync(harness.Prefix + "t", ["1"], CancellationToken.None);

        // The update leaves the large value alone and finds no document: its row is read back after the DROP.
        await harness.ExecuteAsync("UPDATE t SET n = 50 WHERE id = 1; ALTER TABLE t DROP COLUMN note;");
        await run.CatchUpAsync();

        var document = (await harness.DocumentsAsync("t"))["1"];
        Assert.Equal(50, document["n"]!.GetValue<int>());
        Assert.Equal(3200, document["big"]!.GetValue<string>().Length);
        Assert.False(document.ContainsKey("note"));
    }

    [Fact]
    public async Task RunAsync_ColumnTypeWidened_FieldRetypedInPlace()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync("ALTER TABLE t ALTER COLUMN n TYPE bigint; INSERT INTO t (id, n) VALUES (10, 9000000000); UPDATE t SET n = -n WHERE id = 1;");

        await run.AssertConvergedAsync("t", Expected());
        Assert.Equal("int64", (await FieldsAsync(harness))["n"]);
    }

    // A bool → string change Typesense would take, converting true to "true" where the table now holds "yes": it is
    // refused like the ones Typesense refuses.
    [Theory]
    [InlineData("note", "integer USING length(note)", "string", "int32", "text", "integer")]
    [InlineData("flag", "text USING CASE WHEN flag THEN 'yes' ELSE 'no' END", "bool", "string", "boolean", "text")]
    public async Task RunAsync_ColumnTypeChangedToOneStoredDocumentsCannotTake_StopsNamingFieldAndFix(string column, string type, string from, string to, string pgFrom, string pgTo)
    {
        await using var harness = await StartTableAsync("DEFAULT");
        var options = Options(harness);
        options.Schema.OnIncompatibleChange = RecoveryAction.Stop;
        await using var run = await SyncRun.StartStreamingAsync(harness, options);
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync($"ALTER TABLE t ALTER COLUMN {column} TYPE {type}; UPDATE t SET n = 0 WHERE id = 1;");

        // Either the flush (the field's types) or the catalog watch (the columns' types) stops first; both name the column and the fix.
        var error = await Assert.ThrowsAsync<SchemaChangeException>(() => run.Running.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Table public.t changed", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains($"Field {column} of collection {harness.Prefix}t__v1 changes type from {from} to {to}", StringComparison.Ordinal)
            || error.Message.Contains($"column {column} changed type from {pgFrom} to {pgTo}", StringComparison.Ordinal), error.Message);
        Assert.Contains("walsync run --reindex public.t", error.Message, StringComparison.Ordinal);
        Assert.Equal(from, (await FieldsAsync(harness))[column]);
    }

    // A type the collection could take in place, but the rows were rewritten (USING) without being published: with Stop,
    // WalSync stops rather than keep documents with the old values.
    [Fact]
    public async Task RunAsync_ColumnRewrittenToACompatibleTypeWithStop_StopsNamingColumnAndFix()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        var options = Options(harness);
        options.Schema.OnIncompatibleChange = RecoveryAction.Stop;
        // No row changes after the rewrite: the catalog check notices it, not a Relation message.
        options.Postgres.CatalogCheckInterval = TimeSpan.FromSeconds(1);
        await using var run = await SyncRun.StartStreamingAsync(harness, options);
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync("ALTER TABLE t ALTER COLUMN n TYPE bigint USING n * 2;");

        var error = await Assert.ThrowsAsync<SchemaChangeException>(() => run.Running.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Table public.t changed: column n changed type from integer to bigint", error.Message, StringComparison.Ordinal);
        Assert.Contains("walsync run --reindex public.t", error.Message, StringComparison.Ordinal);
    }

    // The default: the collection is rebuilt into a new version with the new type, while the old one keeps serving.
    [Fact]
    public async Task RunAsync_ColumnTypeChangedToOneStoredDocumentsCannotTake_RebuiltIntoANewVersion()
    {
        await using var harness = await StartTableAsync("DEFAULT");
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync("ALTER TABLE t ALTER COLUMN note TYPE integer USING length(note); UPDATE t SET n = 0 WHERE id = 1; INSERT INTO t VALUES (6, 7, 6, true, 'x');");

        await Eventually.HoldsAsync(async () => await harness.Client.GetAliasAsync(harness.Prefix + "t", CancellationToken.None) == harness.Prefix + "t__v2",
            TimeSpan.FromSeconds(60), "the alias to serve the rebuilt version");
        await run.AssertConvergedAsync("t", Expected());
        Assert.Equal("int32", (await FieldsAsync(harness))["note"]);
        Assert.Contains(run.Logs.Lines, l => l.Contains("keeps serving the documents it has", StringComparison.Ordinal));
    }

    // Regression: the second update (unchanged TOAST, new relation version) was merged into the document as it was
    // before the transaction, losing the first update's large value.
    [Theory]
    [MemberData(nameof(Identities))]
    public async Task RunAsync_RowUpdatedBeforeAndAfterColumnAddedInOneTransaction_DocumentHasBothChanges(string identity)
    {
        await using var harness = await StartTableAsync(identity);
        await using var run = await SyncRun.StartStreamingAsync(harness, Options(harness));
        await run.AssertConvergedAsync("t", Expected());

        await harness.ExecuteAsync("""
            UPDATE t SET big = repeat(md5('new'), 100) WHERE id = 1;
            ALTER TABLE t ADD COLUMN extra integer;
            UPDATE t SET extra = 5 WHERE id = 1;
            """);

        await run.AssertConvergedAsync("t", Expected("'extra', extra"));
    }

    private static async Task<SyncHarness> StartTableAsync(string identity)
    {
        var harness = await SyncHarness.StartAsync("schema");
        await harness.ExecuteAsync($"""
            CREATE TABLE t (id integer PRIMARY KEY, note text, n integer, flag boolean, big text);
            ALTER TABLE t ALTER COLUMN big SET STORAGE EXTERNAL, REPLICA IDENTITY {identity};
            INSERT INTO t SELECT g, 'row ' || g, g, g % 2 = 0, (SELECT string_agg(md5(g::text || h), '') FROM generate_series(1, 100) AS h) FROM generate_series(1, 5) AS g;
            """);
        return harness;
    }

    private static WalSyncOptions Options(SyncHarness harness)
    {
        var options = harness.Options(("public.t", "t"));
        options.Batch = new BatchOptions { FlushInterval = TimeSpan.FromMilliseconds(200), MaxRows = 1000 };
        return options;
    }

    private static string Expected(string more = "") =>
        $"SELECT id::text, jsonb_build_object('note', note, 'n', n, 'flag', flag, 'big', big{(more.Length > 0 ? ", " + more : "")}) FROM t";

    private static async Task<Dictionary<string, string>> FieldsAsync(SyncHarness harness) =>
        (await harness.Client.GetCollectionAsync(harness.Prefix + "t", CancellationToken.None))!.Fields.ToDictionary(f => f.Name, f => f.Type);
}

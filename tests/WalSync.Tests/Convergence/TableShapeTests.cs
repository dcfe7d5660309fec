using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Convergence;

/// <summary>
/// Table shapes and per-table options end to end: several tables streaming into their collections at once, a
/// partitioned table published through its root into one collection, a replica identity index as the key, text keys
/// that look like filter syntax, Columns / ExcludeColumns / SoftDeleteColumn, and a table without a key refused at start.
/// </summary>
public sealed class TableShapeTests
{
    [Fact]
    public async Task RunAsync_SeveralTablesChangedInSameTransactions_EachCollectionEqualsItsTable()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("""
            CREATE TABLE a (id integer PRIMARY KEY, v text);
            CREATE TABLE b (k1 text, k2 date, v integer, PRIMARY KEY (k1, k2));
            CREATE TABLE c (id uuid PRIMARY KEY, v jsonb);
            INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 20) AS g;
            INSERT INTO b SELECT 'x|' || g, date '2024-01-01' + g, g FROM generate_series(1, 20) AS g;
            """);
        var options = harness.Options(("public.a", "a"), ("public.b", "b"), ("public.c", "c"));
        await using var run = SyncRun.Start(harness, options);

        for (var i = 0; i < 5; i++)
        {
            await harness.ExecuteAsync($$"""
                INSERT INTO a VALUES ({{100 + i}}, 'new');
                UPDATE b SET v = v * 10, k2 = k2 + 100 WHERE v = {{i + 1}};
                INSERT INTO c VALUES (gen_random_uuid(), '{"i": {{i}}}');
                DELETE FROM a WHERE id = {{i + 1}};
                """);
        }

        await run.AssertConvergedAsync("a", "SELECT id::text, jsonb_build_object('v', v) FROM a");
        await run.AssertConvergedAsync("b", $"SELECT {ExpectedSql.CompositeId("k1", "k2")}, jsonb_build_object('k1', k1, 'k2', {ExpectedSql.Scalar("k2", Expect.Epoch)}, 'v', v) FROM b");
        await run.AssertConvergedAsync("c", "SELECT id::text, jsonb_build_object('v', v) FROM c");
    }

    [Theory]
    [InlineData("DEFAULT")]
    [InlineData("FULL")]
    public async Task RunAsync_PartitionedTable_PublishedThroughRootIntoOneCollection(string identity)
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync($"""
            CREATE TABLE m (id integer PRIMARY KEY, v text) PARTITION BY RANGE (id);
            CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (100);
            CREATE TABLE m_high PARTITION OF m FOR VALUES FROM (100) TO (1000);
            ALTER TABLE m REPLICA IDENTITY {identity}; ALTER TABLE m_low REPLICA IDENTITY {identity}; ALTER TABLE m_high REPLICA IDENTITY {identity};
            INSERT INTO m SELECT g, 'v' || g FROM generate_series(1, 10) AS g;
            """);
        const string expected = "SELECT id::text, jsonb_build_object('v', v) FROM m";
        await using var run = await SyncRun.StartStreamingAsync(harness, harness.Options(("public.m", "m")));

        // Rows move between partitions (a delete and an insert under the hood), and the root is truncated.
        await harness.ExecuteAsync("INSERT INTO m VALUES (150, 'high'); UPDATE m SET id = id + 100, v = 'moved' WHERE id <= 3; DELETE FROM m WHERE id = 4;");
        await run.AssertConvergedAsync("m", expected);
        Assert.True(await PostgresServer.ScalarAsync<bool>(harness.ConnectionString, "SELECT pubviaroot FROM pg_publication WHERE pubname = 'walsync_test'"));
        await harness.ExecuteAsync("TRUNCATE m; INSERT INTO m VALUES (5, 'after truncate'), (500, 'after truncate');");
        await run.AssertConvergedAsync("m", expected);
        Assert.Equal(["5", "500"], (await harness.DocumentsAsync("m")).Keys.Order());
    }

    [Fact]
    public async Task RunAsync_ReplicaIdentityIndexWithoutPrimaryKey_IndexColumnsMakeTheId()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("""
            CREATE TABLE r (code text NOT NULL, n integer NOT NULL, v text);
            CREATE UNIQUE INDEX r_key ON r (code, n);
            ALTER TABLE r REPLICA IDENTITY USING INDEX r_key;
            INSERT INTO r SELECT 'c' || g, g, 'v' FROM generate_series(1, 5) AS g;
            """);
        await using var run = await SyncRun.StartStreamingAsync(harness, harness.Options(("public.r", "r")));

        await harness.ExecuteAsync("DELETE FROM r WHERE n = 1; UPDATE r SET n = 20 WHERE n = 2; UPDATE r SET v = 'x' WHERE n = 3;");

        await run.AssertConvergedAsync("r", $"SELECT {ExpectedSql.CompositeId("code", "n")}, jsonb_build_object('code', code, 'n', n, 'v', v) FROM r");
        Assert.Contains("c2|20", (await harness.DocumentsAsync("r")).Keys);
    }

    // Regression: with a primary key and REPLICA IDENTITY USING INDEX on other columns, deletes carry only the index
    // columns; keying documents by the primary key stopped the pipeline at the first delete, on every restart.
    [Fact]
    public async Task RunAsync_PrimaryKeyAndReplicaIdentityOnOtherIndex_DeletesFollowTheIndexKey()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("""
            CREATE TABLE pr (pk int PRIMARY KEY, email text NOT NULL, v text);
            CREATE UNIQUE INDEX pr_email ON pr (email);
            ALTER TABLE pr REPLICA IDENTITY USING INDEX pr_email;
            INSERT INTO pr SELECT g, 'u' || g || '@x', 'v' FROM generate_series(1, 5) AS g;
            """);
        await using var run = await SyncRun.StartStreamingAsync(harness, harness.Options(("public.pr", "pr")));

        await harness.ExecuteAsync("DELETE FROM pr WHERE pk = 1; UPDATE pr SET email = 'moved@x' WHERE pk = 2; UPDATE pr SET v = 'x' WHERE pk = 3;");

        await run.AssertConvergedAsync("pr", "SELECT email, jsonb_build_object('pk', pk, 'email', email, 'v', v) FROM pr");
        Assert.Contains("moved@x", (await harness.DocumentsAsync("pr")).Keys);
    }

    // Ids a filter_by list cannot hold (a backtick, "*", leading or trailing spaces) are deleted by path.
    [Fact]
    public async Task RunAsync_TextKeysWithFilterSyntax_UpdatedAndDeleted()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("""
            CREATE TABLE k (id text PRIMARY KEY, v text);
            INSERT INTO k VALUES ('*', 'a'), (' lead', 'a'), ('trail ', 'a'), ('`tick`', 'a'), ('a,b', 'a'), ('x&&y', 'a'), ('[1]', 'a'),
                ('id:=5', 'a'), ('%2F', 'a'), ('a/b', 'a'), ('ü', 'a'), ('a\b', 'a'), ('"q"', 'a'), ('a|b', 'a');
            """);
        const string expected = "SELECT id, jsonb_build_object('v', v) FROM k";
        await using var run = await SyncRun.StartStreamingAsync(harness, harness.Options(("public.k", "k")));
        await run.AssertConvergedAsync("k", expected);

        await harness.ExecuteAsync("UPDATE k SET v = 'b'; DELETE FROM k WHERE id IN ('*', ' lead', '`tick`', 'x&&y', '%2F', 'a/b', 'a\\b');");
        await run.AssertConvergedAsync("k", expected);
        await harness.ExecuteAsync("DELETE FROM k");
        await run.AssertConvergedAsync("k", expected);
        Assert.Empty(await harness.DocumentsAsync("k"));
    }

    [Fact]
    public async Task RunAsync_ColumnsExcludeColumnsAndSoftDeleteColumn_DocumentsFollowTheOptions()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("""
            CREATE TABLE only_some (id integer PRIMARY KEY, shown text, hidden text, n integer);
            CREATE TABLE all_but (id integer PRIMARY KEY, shown text, secret text, grid integer[]);
            CREATE TABLE soft (id integer PRIMARY KEY, v text, deleted_at timestamptz);
            INSERT INTO only_some VALUES (1, 's', 'h', 1), (2, 's', 'h', 2);
            INSERT INTO all_but VALUES (1, 's', 'x', '{{1,2},{3,4}}');
            INSERT INTO soft VALUES (1, 'live', NULL), (2, 'gone', now());
            """);
        var options = harness.Options(("public.only_some", "only_some"), ("public.all_but", "all_but"), ("public.soft", "soft"));
        options.Tables[0].Columns = ["shown", "n"];
        options.Tables[1].ExcludeColumns = ["secret", "grid"];
        options.Tables[2].SoftDeleteColumn = "deleted_at";
        await using var run = SyncRun.Start(harness, options);

        await harness.ExecuteAsync("""
            UPDATE only_some SET hidden = 'changed', shown = 'changed' WHERE id = 1;
            INSERT INTO all_but VALUES (2, 't', 'y', '{{5}}');
            UPDATE soft SET deleted_at = now() WHERE id = 1;
            UPDATE soft SET deleted_at = NULL, v = 'back' WHERE id = 2;
            INSERT INTO soft VALUES (3, 'new', NULL), (4, 'born deleted', now());
            """);

        await run.AssertConvergedAsync("only_some", "SELECT id::text, jsonb_build_object('shown', shown, 'n', n) FROM only_some");
        await run.AssertConvergedAsync("all_but", "SELECT id::text, jsonb_build_object('shown', shown) FROM all_but");
        await run.AssertConvergedAsync("soft", "SELECT id::text, jsonb_build_object('v', v) FROM soft WHERE deleted_at IS NULL");
    }

    [Fact]
    public async Task RunAsync_TableWithoutKey_RefusedAtStartNamingTableAndFix()
    {
        await using var harness = await SyncHarness.StartAsync("shapes");
        await harness.ExecuteAsync("CREATE TABLE keyed (id integer PRIMARY KEY); CREATE TABLE loose (a integer, b text);");
        await using var run = SyncRun.Start(harness, harness.Options(("public.keyed", "keyed"), ("public.loose", "loose")));

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => run.Running.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("public.loose has no primary key or replica identity index", error.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.loose ADD PRIMARY KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.loose REPLICA IDENTITY USING INDEX", error.Message, StringComparison.Ordinal);
        Assert.Null(await harness.Client.GetCollectionAsync(harness.Prefix + "keyed", CancellationToken.None));
    }
}

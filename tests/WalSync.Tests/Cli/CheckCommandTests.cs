using System.Text.RegularExpressions;
using Npgsql;
using WalSync.Checks;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>The real <c>walsync check</c>: every problem of the environment in one run, each with its fix.</summary>
public sealed class CheckCommandTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("check", requireEmulator: true);
        await _harness.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, name text NOT NULL);
            CREATE TABLE events (at timestamptz NOT NULL, what text);
            CREATE TABLE secrets (id int PRIMARY KEY, value text);
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Check_TableWithoutKeyMissingSelectAndWrongApiKey_ReportsAllThreeInOneRunAndExitsTwo()
    {
        await using var role = await ReplicationRole.CreateAsync(_harness, "orders", "events");
        var options = role.Use(_harness.Options(("public.orders", "orders"), ("public.events", "events"), ("public.secrets", "secrets")));
        options.Typesense.ApiKey = "not-the-key-4711";
        await role.CreateWalSyncTablesAsync();
        await _harness.ExecuteAsync($"CREATE PUBLICATION {_harness.Prefix}pub FOR TABLE orders, events, secrets");
        options.Postgres.Publication = _harness.Prefix + "pub";

        var (code, output) = await CheckAsync(options);

        Assert.True(code == 2, $"exit code {code}: {output}");
        Assert.Contains("FAILED table public.events: The table public.events has no primary key", output, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.events ADD PRIMARY KEY", output, StringComparison.Ordinal);
        Assert.Contains($"FAILED table public.secrets: The role '{role.Name}' cannot read public.secrets. Grant it with: GRANT SELECT ON public.secrets TO {role.Name};", output, StringComparison.Ordinal);
        Assert.Contains("Typesense refused the API key", output, StringComparison.Ordinal);
        Assert.Contains("ok wal_level", output, StringComparison.Ordinal);
        Assert.Contains("ok table public.orders", output, StringComparison.Ordinal);
        Assert.Contains("3 of ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-key-4711", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_EverythingInPlace_PassesAndCreatesNothing()
    {
        await using var role = await ReplicationRole.CreateAsync(_harness);
        var database = new NpgsqlConnectionStringBuilder(_harness.ConnectionString).Database;
        // The README's rights for a role that creates the publication and the dead-letter table itself.
        await _harness.ExecuteAsync($"GRANT CREATE ON DATABASE \"{database}\" TO {role.Name}; CREATE TABLE items (id int PRIMARY KEY, label text); " +
            $"ALTER TABLE items OWNER TO {role.Name};");
        var options = role.Use(_harness.Options(("public.items", "items")));
        options.DeadLetter.Table = _harness.Prefix + "dead.letters";
        options.Backfill.Table = _harness.Prefix + "dead.backfills";

        var onDisk = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        var (code, output) = await CheckAsync(options, new Dictionary<string, string> { ["TMPDIR"] = onDisk });

        Assert.True(code == 0, $"exit code {code}: {output}");
        Assert.Contains("publication 'walsync_test' does not exist yet; the role may create it", output, StringComparison.Ordinal);
        Assert.Contains($"dead-letter table {_harness.Prefix}dead.letters does not exist yet; the role may create it", output, StringComparison.Ordinal);
        Assert.Contains($"backfill progress table {_harness.Prefix}dead.backfills does not exist yet; the role may create it", output, StringComparison.Ordinal);
        Assert.Contains("ok values: binary (", output, StringComparison.Ordinal);
        Assert.Contains("ok decoding memory: logical_decoding_work_mem 64kB (the server's setting); larger transactions are streamed to WalSync before their commit", output, StringComparison.Ordinal);
        Assert.Matches($@"ok temporary files: transactions streamed before their commit are kept in {Regex.Escape(onDisk)}/ \([^,]+, [0-9.]+ GiB free\)", output);
        Assert.Contains("checks passed", output, StringComparison.Ordinal);
        // The publication and the dead-letter table were created only in transactions that were rolled back.
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM pg_publication WHERE pubname = 'walsync_test'"));
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, $"SELECT count(*) FROM pg_namespace WHERE nspname = '{_harness.Prefix}dead'"));
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{_harness.Slot}'"));
        Assert.Null(await _harness.Client.GetCollectionAsync(_harness.Prefix + "items", CancellationToken.None));
    }

    [Fact]
    public async Task Check_EveryPublishedTypeReadInBinary_SaysValuesAreBinary()
    {
        await _harness.ExecuteAsync("""
            CREATE TABLE parts (id uuid PRIMARY KEY, price numeric(10,2), attrs jsonb, made timestamptz, tags text[]);
            CREATE PUBLICATION walsync_test FOR TABLE parts;
            """);
        var options = _harness.Options(("public.parts", "parts"));

        var (code, output) = await CheckAsync(options);

        Assert.True(code == 0, $"exit code {code}: {output}");
        Assert.Contains("ok values: binary (every published column's type has a binary form WalSync reads)", output, StringComparison.Ordinal);
    }

    // The publication does not exist yet: the values are decided on the one the first start will create.
    [Fact]
    public async Task Check_ColumnOfTypeWithoutBinaryForm_SaysValuesAreTextNamingTheColumnAndPasses()
    {
        await _harness.ExecuteAsync("CREATE TABLE hosts (id int PRIMARY KEY, name text, location point);");
        var options = _harness.Options(("public.hosts", "hosts"));

        var (code, output) = await CheckAsync(options);

        Assert.True(code == 0, $"exit code {code}: {output}");
        Assert.Contains("ok values: text (column public.hosts.location has type point, which WalSync reads only as text)", output, StringComparison.Ordinal);
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_harness.ConnectionString, "SELECT count(*) FROM pg_publication WHERE pubname = 'walsync_test'"));
    }

    // A table added to Tables later: run adds it to the publication, check only says so.
    [Fact]
    public async Task Check_PublicationLacksAConfiguredTable_SaysRunWillAddItAndLeavesThePublicationAsItWas()
    {
        await _harness.ExecuteAsync("""
            CREATE TABLE parts (id int PRIMARY KEY, label text);
            CREATE TABLE extras (id int PRIMARY KEY, label text);
            CREATE PUBLICATION walsync_test FOR TABLE parts;
            """);
        var options = _harness.Options(("public.parts", "parts"), ("public.extras", "extras"));

        var (code, output) = await CheckAsync(options);

        Assert.True(code == 0, $"exit code {code}: {output}");
        Assert.Contains("ok publication: publication 'walsync_test' covers public.parts, public.extras once walsync run adds public.extras to it", output, StringComparison.Ordinal);
        Assert.Equal("public.parts", await PostgresServer.ScalarAsync<string>(_harness.ConnectionString,
            "SELECT string_agg(schemaname || '.' || tablename, ',') FROM pg_publication_tables WHERE pubname = 'walsync_test'"));
    }

    [Fact]
    public async Task Check_BinaryValuesOff_SaysValuesAreTextBecauseOfTheSetting()
    {
        await _harness.ExecuteAsync("CREATE TABLE parts (id int PRIMARY KEY, label text);");
        var options = _harness.Options(("public.parts", "parts"));
        options.Postgres.BinaryValues = false;

        var results = await new StartupChecks(options).RunAsync(CancellationToken.None);

        var values = Assert.Single(results, r => r.Name == "values");
        Assert.Equal(new CheckResult("values", CheckStatus.Passed, "text (Postgres:BinaryValues is false)"), values);
    }

    // The role of samples/products.sql without the grants on the backfill table: check says what run would refuse.
    [Fact]
    public async Task Check_BackfillTableMissingAndRoleMayNotCreateIt_FailsWithTheStatementsToRun()
    {
        await using var role = await ReplicationRole.CreateAsync(_harness);
        await _harness.ExecuteAsync($"CREATE TABLE goods (id int PRIMARY KEY, label text); GRANT SELECT ON goods TO {role.Name};");
        var options = role.Use(_harness.Options(("public.goods", "goods")));
        options.DeadLetter.Directory = Path.Combine(Path.GetTempPath(), _harness.Prefix + "dead");
        options.Backfill.Table = _harness.Prefix + "locked.backfills";

        var (code, output) = await CheckAsync(options);

        Assert.True(code != 0, $"exit code {code}: {output}");
        Assert.True(output.Contains($"FAILED backfills: The backfill progress table {_harness.Prefix}locked.backfills does not exist and the role \"{role.Name}\" may not create it",
            StringComparison.Ordinal), output);
        Assert.Contains($"CREATE TABLE IF NOT EXISTS \"{_harness.Prefix}locked\".\"backfills\" (", output, StringComparison.Ordinal);
        Assert.Contains($"GRANT SELECT, INSERT, UPDATE, DELETE ON \"{_harness.Prefix}locked\".\"backfills\" TO \"{role.Name}\";", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SeveralProblems_RefusesWithAllOfThemTogether()
    {
        var options = _harness.Options(("public.events", "events"), ("public.orders", "orders"));
        options.Typesense.ApiKey = "wrong-key-0815";

        await using var process = WalSyncProcess.Run(options);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = process.Output;
        Assert.True(code == 2, $"exit code {code}: {output}");
        Assert.Contains("start-up checks failed", output, StringComparison.Ordinal);
        Assert.Contains("public.events has no primary key", output, StringComparison.Ordinal);
        Assert.Contains("Typesense refused the API key", output, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-0815", output, StringComparison.Ordinal);
    }

    // Transactions streamed before their commit wait in $TMPDIR: in memory on a tmpfs (/dev/shm is one, /tmp on some
    // distributions), and a directory that is missing stops the run at the first such transaction.
    [Fact]
    public async Task Check_TemporaryDirectoryInMemoryMissingOrReadOnly_WarnsOrFailsNamingTmpdir()
    {
        await _harness.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, label text);");
        var options = _harness.Options(("public.items", "items"));
        var missing = Path.Combine(Path.GetTempPath(), "walsync-missing-" + Guid.NewGuid().ToString("N"));

        var (memoryCode, memory) = await CheckAsync(options, new Dictionary<string, string> { ["TMPDIR"] = "/dev/shm" });
        var (missingCode, absent) = await CheckAsync(options, new Dictionary<string, string> { ["TMPDIR"] = missing });
        // No file can be created in /proc, not even by root (the tests' user on CI).
        var (readOnlyCode, readOnly) = await CheckAsync(options, new Dictionary<string, string> { ["TMPDIR"] = "/proc" });
        var (runCode, run) = await RunAsync(options, new Dictionary<string, string> { ["TMPDIR"] = missing });
        options.Postgres.StreamLargeTransactions = false;
        var (offCode, off) = await CheckAsync(options, new Dictionary<string, string> { ["TMPDIR"] = missing });

        Assert.True(memoryCode == 0, $"exit code {memoryCode}: {memory}");
        Assert.Contains("warning temporary files: /dev/shm/ is a tmpfs, held in memory: a transaction waiting there for its commit takes as much " +
            "memory as its changes. Set TMPDIR to a directory on disk", memory, StringComparison.Ordinal);
        Assert.True(missingCode == 2, $"exit code {missingCode}: {absent}");
        Assert.Contains($"FAILED temporary files: {missing}/ does not exist, and WalSync keeps there each transaction that PostgreSQL streams", absent, StringComparison.Ordinal);
        Assert.Contains("Set TMPDIR to a writable directory with room for the largest transaction, or set Postgres:StreamLargeTransactions to false", absent, StringComparison.Ordinal);
        Assert.True(readOnlyCode == 2, $"exit code {readOnlyCode}: {readOnly}");
        Assert.Contains("FAILED temporary files: /proc/ cannot be used (", readOnly, StringComparison.Ordinal);
        // walsync run refuses to start at once rather than on the first big transaction, perhaps days later.
        Assert.True(runCode == 2, $"exit code {runCode}: {run}");
        Assert.Contains($"{missing}/ does not exist", run, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run, StringComparison.Ordinal);
        Assert.True(offCode == 0, $"exit code {offCode}: {off}");
        Assert.DoesNotContain("temporary files", off, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>walsync run</c> on <paramref name="options"/> until it exits by itself; returns its exit code and output.</summary>
    private static async Task<(int Code, string Output)> RunAsync(WalSyncOptions options, IDictionary<string, string> environment)
    {
        await using var process = WalSyncProcess.Run(options, environment);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }

    /// <summary>Runs <c>walsync check</c> on <paramref name="options"/>; returns its exit code and output.</summary>
    private static async Task<(int Code, string Output)> CheckAsync(WalSyncOptions options, IDictionary<string, string>? environment = null)
    {
        await using var process = WalSyncProcess.Start(["check", "--config", WalSyncProcess.WriteConfig(options)], environment);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }
}

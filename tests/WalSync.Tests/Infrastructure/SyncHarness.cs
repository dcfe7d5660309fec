using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WalSync.Configuration;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A fresh database on the shared PostgreSQL server plus a Typesense (the in-process emulator, or the real server
/// named by TYPESENSE_URL / TYPESENSE_API_KEY), with the WalSync options that point at both.
/// </summary>
public sealed class SyncHarness : IAsyncDisposable
{
    private SyncHarness(string connectionString, EmulatorServer? emulator, string typesenseUrl, string apiKey, string prefix)
    {
        ConnectionString = connectionString;
        Emulator = emulator;
        TypesenseUrl = typesenseUrl;
        ApiKey = apiKey;
        Prefix = prefix;
        var options = new TypesenseOptions { ApiKey = apiKey, MaxRetries = 3, RetryInitialDelay = TimeSpan.FromMilliseconds(50) };
        options.Nodes.Add(typesenseUrl);
        Client = new TypesenseClient(options, NullLogger<TypesenseClient>.Instance);
    }

    /// <summary>Superuser connection string to the test's own database.</summary>
    public string ConnectionString { get; }

    /// <summary>The in-process emulator, or null when a real Typesense is used.</summary>
    public EmulatorServer? Emulator { get; }

    /// <summary>The Typesense node URL.</summary>
    public string TypesenseUrl { get; }

    /// <summary>The Typesense API key.</summary>
    public string ApiKey { get; }

    /// <summary>A unique prefix for collection names, so that tests sharing a real Typesense do not collide.</summary>
    public string Prefix { get; }

    /// <summary>The test's own replication slot (slots are per cluster, not per database).</summary>
    public string Slot => "s_" + Prefix.TrimEnd('_');

    /// <summary>A client for assertions.</summary>
    public TypesenseClient Client { get; }

    /// <summary>A server of the harness's own, stopped on dispose (for tests that restart or starve the server).</summary>
    public TestServer? Cluster { get; private set; }

    /// <summary>Starts a server of the test's own (with extra <c>postgresql.conf</c> lines) and a Typesense.</summary>
    public static async Task<SyncHarness> OnOwnClusterAsync(params string[] settings)
    {
        var cluster = await TestServer.StartAsync(settings);
        var harness = await ForDatabaseAsync(cluster.ConnectionString);
        harness.Cluster = cluster;
        return harness;
    }

    /// <summary>Creates a database on the shared server and starts (or connects to) Typesense.</summary>
    /// <param name="name">Prefix of the database name.</param>
    /// <param name="requireEmulator">Always use the emulator, even when TYPESENSE_URL names a real server (for fault injection).</param>
    public static async Task<SyncHarness> StartAsync(string name, bool requireEmulator = false) =>
        await ForDatabaseAsync(await (await PostgresServer.GetAsync()).CreateDatabaseAsync(name), requireEmulator);

    /// <summary>Uses the database at <paramref name="database"/> (e.g. on a dedicated cluster) and starts (or connects to) Typesense.</summary>
    public static async Task<SyncHarness> ForDatabaseAsync(string database, bool requireEmulator = false)
    {
        var prefix = $"t{Environment.ProcessId}_{Guid.NewGuid():N}"[..16] + "_";
        var url = Environment.GetEnvironmentVariable("TYPESENSE_URL");
        var key = Environment.GetEnvironmentVariable("TYPESENSE_API_KEY");
        if (!requireEmulator && !string.IsNullOrWhiteSpace(url) && !string.IsNullOrWhiteSpace(key))
        {
            return new SyncHarness(database, null, url, key, prefix);
        }
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "test-key-" + Guid.NewGuid().ToString("N")[..8] });
        return new SyncHarness(database, emulator, emulator.Url.ToString(), emulator.ApiKey, prefix);
    }

    /// <summary>WalSync options for <paramref name="tables"/> (table name → collection) with a short flush interval.</summary>
    public WalSyncOptions Options(params (string Table, string Collection)[] tables)
    {
        var options = new WalSyncOptions
        {
            Postgres = new PostgresOptions { ConnectionString = ConnectionString, Slot = Slot, Publication = "walsync_test" },
            Batch = new BatchOptions { FlushInterval = TimeSpan.FromMilliseconds(200), MaxRows = 500 },
            ShutdownTimeout = TimeSpan.FromSeconds(20),
        };
        options.Typesense.Nodes.Add(TypesenseUrl);
        options.Typesense.ApiKey = ApiKey;
        options.Typesense.RetryInitialDelay = TimeSpan.FromMilliseconds(50);
        options.Typesense.RetryMaxDelay = TimeSpan.FromSeconds(1);
        foreach (var (table, collection) in tables)
        {
            options.Tables.Add(new TableOptions { Table = table, Collection = Prefix + collection });
        }
        return options;
    }

    /// <summary>Runs SQL on the test database.</summary>
    public Task ExecuteAsync(string sql) => PostgresServer.ExecuteAsync(ConnectionString, sql);

    /// <summary>Drops <paramref name="roles"/> and what they own. Roles live in the cluster's shared catalogs, so two
    /// tests dropping theirs at once can deadlock; PostgreSQL then cancels one drop, which is tried again.</summary>
    public Task DropRolesAsync(params string[] roles) => Eventually.HoldsAsync(async () =>
    {
        try
        {
            await ExecuteAsync($"DROP OWNED BY {string.Join(", ", roles)}; DROP ROLE {string.Join(", ", roles)};");
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            return false;
        }
    }, TimeSpan.FromSeconds(30), $"roles {string.Join(", ", roles)} to be dropped");

    /// <summary>The slot's confirmed_flush_lsn, or null.</summary>
    public async Task<NpgsqlTypes.NpgsqlLogSequenceNumber?> ConfirmedFlushLsnAsync()
    {
        var slot = Slot;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", connection);
        command.Parameters.AddWithValue(slot);
        var value = await command.ExecuteScalarAsync();
        return value is NpgsqlTypes.NpgsqlLogSequenceNumber lsn ? lsn : null;
    }

    /// <summary>The documents of <paramref name="collection"/> (without prefix) by id; empty when it does not exist.</summary>
    public async Task<Dictionary<string, JsonObject>> DocumentsAsync(string collection)
    {
        if (await Client.GetCollectionAsync(Prefix + collection, CancellationToken.None) is null)
        {
            return [];
        }
        return (await Client.ExportAsync(Prefix + collection, CancellationToken.None)).ToDictionary(d => d["id"]!.GetValue<string>());
    }

    /// <summary>
    /// The documents a table should give: runs <paramref name="sql"/>, whose first column is the id and whose other
    /// columns are named after fields; NULL columns are left out, as WalSync does.
    /// </summary>
    public async Task<Dictionary<string, JsonObject>> ExpectedAsync(string sql)
    {
        var expected = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!;
            var document = new JsonObject { ["id"] = id };
            for (var i = 1; i < reader.FieldCount; i++)
            {
                if (!reader.IsDBNull(i))
                {
                    document[reader.GetName(i)] = JsonSerializer.SerializeToNode(reader.GetValue(i));
                }
            }
            expected[id] = document;
        }
        return expected;
    }

    /// <summary>Differences between expected documents and the collection (numbers compared as doubles); empty when equal.</summary>
    public static List<string> Differences(Dictionary<string, JsonObject> expected, Dictionary<string, JsonObject> actual)
    {
        var differences = new List<string>();
        foreach (var (id, document) in expected)
        {
            if (!actual.TryGetValue(id, out var stored))
            {
                differences.Add($"missing document {id}");
                continue;
            }
            foreach (var (field, value) in document)
            {
                if (!Same(value, stored[field]))
                {
                    differences.Add($"{id}.{field}: expected {value?.ToJsonString()}, found {stored[field]?.ToJsonString() ?? "nothing"}");
                }
            }
            foreach (var (field, _) in stored)
            {
                if (!document.ContainsKey(field))
                {
                    differences.Add($"{id}.{field}: unexpected field {stored[field]?.ToJsonString()}");
                }
            }
        }
        differences.AddRange(actual.Keys.Where(id => !expected.ContainsKey(id)).Select(id => $"extra document {id}"));
        return differences;
    }

    /// <summary>Waits until <paramref name="collection"/> equals what <paramref name="expectedSql"/> gives.</summary>
    /// <param name="collection">The collection, without prefix.</param>
    /// <param name="expectedSql">See <see cref="ExpectedAsync"/>.</param>
    /// <param name="running">The running sync; if it ends, its error is thrown instead of waiting for the timeout.</param>
    /// <param name="timeout">Default 60 seconds.</param>
    public async Task WaitForConvergenceAsync(string collection, string expectedSql, Task? running = null, TimeSpan? timeout = null)
    {
        List<string> last = [];
        await Eventually.HoldsAsync(async () =>
        {
            if (running is { IsCompleted: true })
            {
                await running;
                Assert.Fail("The sync stopped before the collection converged.");
            }
            last = Differences(await ExpectedAsync(expectedSql), await DocumentsAsync(collection));
            return last.Count == 0;
        }, timeout ?? TimeSpan.FromSeconds(60), $"collection {collection} to equal its table",
        () => Task.FromResult($"{last.Count} differences, first: {string.Join("; ", last.Take(5))}"));
    }

    private static bool Same(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }
        if (expected.GetValueKind() == JsonValueKind.Number && actual.GetValueKind() == JsonValueKind.Number)
        {
            return Math.Abs(expected.GetValue<double>() - actual.GetValue<double>()) <= 1e-9 * Math.Max(1, Math.Abs(expected.GetValue<double>()));
        }
        return JsonNode.DeepEquals(expected, actual);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Slots are per cluster and keep WAL: a finished test must not leave its slot to the next ones.
        try
        {
            await PostgresServer.ExecuteAsync(ConnectionString,
                $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Slot}' AND NOT active");
        }
        catch (NpgsqlException)
        {
            // The cluster may already be gone.
        }
        Client.Dispose();
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

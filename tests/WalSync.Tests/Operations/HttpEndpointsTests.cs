using System.Net;
using Npgsql;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Operations;

/// <summary>The real <c>walsync run</c> process and its HTTP listener: health, readiness, status, wait and metrics.</summary>
public sealed class HttpEndpointsTests : IAsyncLifetime
{
    private const string Password = "pw-never-shown-4711";
    private const string HttpKey = "http-key-never-shown-0815";
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("http");
        await _harness.ExecuteAsync("""
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) AS g;
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Endpoints_RunningDaemon_AnswerFromItsState()
    {
        var options = _harness.Options(("public.items", "items"));
        // The test cluster trusts local connections: the password is only there to be kept out of every answer.
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(_harness.ConnectionString) { Password = Password }.ConnectionString;
        options.Http.ApiKey = HttpKey;
        await using var walsync = WalSyncProcess.Run(options);
        var url = await walsync.HttpUrlAsync();

        Assert.Equal(HttpStatusCode.OK, (await HttpProbe.GetAsync(url, "healthz")).Status);
        await HttpProbe.WaitForStreamingAsync(url, walsync);
        var (statusCode, status) = await HttpProbe.GetJsonAsync(url, "status");
        Assert.Equal(HttpStatusCode.OK, statusCode);
        Assert.Equal("streaming", status["phase"]!.GetValue<string>());
        Assert.True(status["ready"]!.GetValue<bool>());
        Assert.Equal(_harness.Slot, status["slot"]!.GetValue<string>());
        Assert.Equal("walsync_test", status["publication"]!.GetValue<string>());
        Assert.Equal(_harness.Prefix + "items", status["collections"]![0]!["collection"]!.GetValue<string>());
        // The first backfill runs while streaming; /status shows it until it is done.
        await Eventually.HoldsAsync(async () =>
        {
            (_, status) = await HttpProbe.GetJsonAsync(url, "status");
            return status["backfills"] is System.Text.Json.Nodes.JsonArray { Count: > 0 } backfills && backfills[0]!["finished_at"] is not null;
        }, TimeSpan.FromSeconds(60), "the first backfill to finish", () => Task.FromResult(status.ToJsonString()));
        var backfill = status["backfills"]![0]!;
        Assert.Equal("public.items", backfill["table"]!.GetValue<string>());
        Assert.Equal(_harness.Prefix + "items__v1", backfill["collection"]!.GetValue<string>());
        Assert.Equal(100, backfill["rows_done"]!.GetValue<long>());
        Assert.Equal(100, backfill["rows_estimate"]!.GetValue<long>());
        Assert.NotNull(status["searchable_through_lsn"]!.GetValue<string>());

        var lsn = await InsertAsync(1000);
        var (waitCode, wait) = await HttpProbe.GetJsonAsync(url, $"wait?lsn={lsn}&timeout=30s");
        Assert.Equal(HttpStatusCode.OK, waitCode);
        Assert.True(NpgsqlLogSequenceNumber.Parse(wait["searchable_through"]!.GetValue<string>()) >= lsn);
        Assert.True((await _harness.DocumentsAsync("items")).ContainsKey("1000"), "the row was not searchable when /wait answered 200");
        Assert.Equal(HttpStatusCode.OK, (await HttpProbe.GetAsync(url, $"wait?lsn={lsn}&timeout=0")).Status);
        var (statusAfter, after) = await HttpProbe.GetJsonAsync(url, "status");
        Assert.Equal(HttpStatusCode.OK, statusAfter);
        Assert.True(after["collections"]![0]!["inserts"]!.GetValue<long>() >= 1);

        var future = new NpgsqlLogSequenceNumber((ulong)lsn + (1UL << 40));
        var (futureCode, futureBody) = await HttpProbe.GetJsonAsync(url, $"wait?lsn={future}&timeout=300ms");
        Assert.Equal(HttpStatusCode.GatewayTimeout, futureCode);
        Assert.Contains("not searchable after 0.3 s", futureBody["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await HttpProbe.GetAsync(url, $"wait?lsn={future}&timeout=0")).Status);
        foreach (var (query, message) in new[]
        {
            ("wait?lsn=garbage", "is not a WAL position"),
            ("wait", "lsn is missing"),
            ($"wait?lsn={lsn}&timeout=forever", "is not a duration"),
            ($"wait?lsn={lsn}&timeout=10m", "longer than 5m"),
        })
        {
            var (badCode, bad) = await HttpProbe.GetJsonAsync(url, query);
            Assert.Equal(HttpStatusCode.BadRequest, badCode);
            Assert.Contains(message, bad["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var (metricsCode, metrics) = await HttpProbe.GetAsync(url, "metrics");
        Assert.Equal(HttpStatusCode.OK, metricsCode);
        foreach (var name in (string[])["walsync_replication_lag_bytes{", "walsync_replication_lag_seconds{", "walsync_changes_received_total{",
            "walsync_documents_written_total{", "walsync_documents_deleted_total{", "walsync_import_duration_seconds_bucket{", "walsync_batch_rows_bucket{",
            "walsync_channel_depth{", "walsync_typesense_retries_total{", "walsync_dead_letters_total{", "walsync_pipeline_restarts_total{",
            "walsync_backfill_rows_total{", "walsync_backfill_rows_estimate{", "walsync_commit_to_searchable_seconds_bucket{"])
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }
        Assert.Matches("walsync_changes_received_total\\{[^}]*kind=\"insert\"[^}]*table=\"public.items\"\\} [1-9]", metrics);

        foreach (var path in (string[])["status", "metrics", "readyz"])
        {
            var body = (await HttpProbe.GetAsync(url, path)).Body;
            Assert.DoesNotContain(Password, body, StringComparison.Ordinal);
            Assert.DoesNotContain(HttpKey, body, StringComparison.Ordinal);
            Assert.DoesNotContain(_harness.ApiKey, body, StringComparison.Ordinal);
        }

        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(Password, walsync.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(HttpKey, walsync.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HttpPortInUse_ExitsTwoNamingHttpUrls()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var options = _harness.Options(("public.items", "items"));
        options.Http.Urls = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        await using var walsync = WalSyncProcess.Run(options);

        Assert.Equal(2, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Http:Urls: cannot listen on", walsync.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", walsync.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HttpDisabled_SyncsWithoutListening()
    {
        var options = _harness.Options(("public.items", "items"));
        options.Http.Enabled = false;
        await using var walsync = WalSyncProcess.Run(options);
        await _harness.WaitForConvergenceAsync("items", "SELECT id::text AS id, name FROM items");

        Assert.DoesNotContain("HTTP listener", walsync.Output, StringComparison.Ordinal);
        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Inserts a row in its own transaction and returns the server's WAL insert position read after the commit.</summary>
    private async Task<NpgsqlLogSequenceNumber> InsertAsync(long id)
    {
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        // The insert position is past the commit's end even though the test cluster commits asynchronously.
        await using (var insert = new NpgsqlCommand($"INSERT INTO items VALUES ({id}, 'item {id}')", connection))
        {
            await insert.ExecuteNonQueryAsync();
        }
        await using var position = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
        return (NpgsqlLogSequenceNumber)(await position.ExecuteScalarAsync())!;
    }
}

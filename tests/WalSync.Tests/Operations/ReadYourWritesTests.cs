using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;
using WalSync.Typesense;
using Xunit.Abstractions;

namespace WalSync.Tests.Operations;

/// <summary>
/// The recipe the README gives applications: commit, read <c>pg_current_wal_lsn()</c>, call <c>/wait</c>, search. The row
/// must be found every time. The wait's percentiles go to the test output (they are measured, not asserted); set
/// <c>WALSYNC_WAIT_FLUSH_INTERVAL</c> (e.g. <c>00:00:02</c>) to measure another flush interval than 100 ms.
/// </summary>
public sealed class ReadYourWritesTests : IAsyncLifetime
{
    private const int Writes = 200;
    private readonly ITestOutputHelper _output;
    private SyncHarness _harness = null!;

    public ReadYourWritesTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("ryw");
        await _harness.ExecuteAsync("CREATE TABLE notes (id bigint PRIMARY KEY, title text NOT NULL)");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Wait_AfterEachCommit_TheRowIsFoundBySearchEveryTime()
    {
        var options = _harness.Options(("public.notes", "notes"));
        options.Batch.FlushInterval = Environment.GetEnvironmentVariable("WALSYNC_WAIT_FLUSH_INTERVAL") is { Length: > 0 } interval
            ? TimeSpan.Parse(interval, CultureInfo.InvariantCulture)
            : TimeSpan.FromMilliseconds(100);
        await using var walsync = WalSyncProcess.Run(options);
        var url = await walsync.HttpUrlAsync();
        await HttpProbe.WaitForStreamingAsync(url, walsync);
        await using var connection = new NpgsqlConnection(_harness.ConnectionString);
        await connection.OpenAsync();
        // The test clusters commit asynchronously; the recipe assumes PostgreSQL's default, under which the commit is
        // written when COMMIT returns, so pg_current_wal_lsn() read after it is at or past the commit's end.
        await using (var synchronous = new NpgsqlCommand("SET synchronous_commit = on", connection))
        {
            await synchronous.ExecuteNonQueryAsync();
        }
        var waits = new List<double>();

        for (var i = 1; i <= Writes; i++)
        {
            var title = $"note{i}x{Guid.NewGuid():N}";
            await using (var insert = new NpgsqlCommand($"INSERT INTO notes VALUES ({i}, '{title}')", connection))
            {
                await insert.ExecuteNonQueryAsync();
            }
            NpgsqlLogSequenceNumber lsn;
            await using (var position = new NpgsqlCommand("SELECT pg_current_wal_lsn()", connection))
            {
                lsn = (NpgsqlLogSequenceNumber)(await position.ExecuteScalarAsync())!;
            }
            var started = Stopwatch.GetTimestamp();
            var (status, body) = await HttpProbe.GetAsync(url, $"wait?lsn={lsn}&timeout=30s");
            waits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.True(status == HttpStatusCode.OK, $"write {i}: /wait answered {(int)status} {body}");

            var found = await _harness.Client.SearchAsync(_harness.Prefix + "notes", new SearchRequest { Q = title, QueryBy = "title" }, CancellationToken.None);
            Assert.True(found.Found == 1 && found.Documents[0]["id"]!.GetValue<string>() == i.ToString(CultureInfo.InvariantCulture),
                $"write {i}: /wait answered 200 but the search found {found.Found} documents");
        }

        waits.Sort();
        _output.WriteLine($"/wait over {Writes} writes at FlushInterval {options.Batch.FlushInterval}: p50 {Percentile(waits, 0.50):0} ms, " +
            $"p99 {Percentile(waits, 0.99):0} ms, max {waits[^1]:0} ms");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

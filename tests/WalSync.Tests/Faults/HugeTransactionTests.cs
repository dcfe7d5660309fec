using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using WalSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WalSync.Tests.Faults;

/// <summary>
/// One transaction of many rows through the real <c>walsync</c> process: it streams in batches with peak memory
/// bounded by the channel and batch sizes, and nothing at or past its end LSN is acknowledged before its last row is
/// written (the acknowledgement is its end LSN, or a keepalive position after it when the commit came in a batch of its own).
/// </summary>
public sealed partial class HugeTransactionTests : IAsyncLifetime
{
    /// <summary>Rows carry 512 bytes that walsync reads but does not index (ExcludeColumns), so that holding the
    /// whole transaction would show in its memory.</summary>
    private const int PayloadRepeats = 16;
    private static readonly HttpClient Http = new();
    private readonly ITestOutputHelper _output;
    private SyncHarness _harness = null!;

    public HugeTransactionTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("huge");
        await _harness.ExecuteAsync("CREATE TABLE big (id bigint PRIMARY KEY, v int NOT NULL, payload text NOT NULL)");
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public Task Run_TransactionOf50kRows_AcknowledgedOnlyAfterItsLastRowWithBoundedMemory() =>
        RunAsync(rows: 50_000, maxRows: 1000, channelCapacity: 2000, peakBound: 200L * 1024 * 1024, TimeSpan.FromMinutes(2));

    [SoakFact]
    [Trait("Category", "Soak")]
    public Task Run_TransactionOf5MillionRows_AcknowledgedOnlyAfterItsLastRowWithBoundedMemory() =>
        RunAsync(rows: 5_000_000, maxRows: 5000, channelCapacity: 20_000, peakBound: 400L * 1024 * 1024, TimeSpan.FromMinutes(30));

    private async Task RunAsync(int rows, int maxRows, int channelCapacity, long peakBound, TimeSpan timeout)
    {
        var options = _harness.Options(("public.big", "big"));
        options.Batch.MaxRows = maxRows;
        options.Batch.ChannelCapacity = channelCapacity;
        options.Tables[0].ExcludeColumns = ["payload"];
        await using var walsync = WalSyncProcess.Run(options, new Dictionary<string, string> { ["WALSYNC_LOG_LEVEL"] = "Debug" });
        await Eventually.HoldsAsync(() => Task.FromResult(walsync.Output.Contains("Streaming from slot", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), "walsync to start streaming", () => Task.FromResult(walsync.Output));
        var idlePeak = ProcessMemory.PeakResidentBytes(walsync.Id);
        var collection = _harness.Prefix + "big";

        var started = DateTime.UtcNow;
        await using (var connection = new NpgsqlConnection(_harness.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand($"INSERT INTO big SELECT g, 1, repeat(md5(g::text), {PayloadRepeats}) FROM generate_series(1, {rows}) AS g", connection)
            {
                CommandTimeout = 0,
            };
            await insert.ExecuteNonQueryAsync();
        }
        var committed = DateTime.UtcNow;
        var endOrLater = await PostgresServer.ScalarAsync<NpgsqlLogSequenceNumber>(_harness.ConnectionString, "SELECT pg_current_wal_insert_lsn()");
        // The slot is read first: once it has passed the transaction (its exact end once walsync logged it, an LSN
        // read after the commit until then), every row must be in the collection.
        var partialSeen = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var end = CommitEnd(walsync.Output) ?? endOrLater;
            var passed = await _harness.ConfirmedFlushLsnAsync() >= end;
            var count = await CountDocumentsAsync(collection);
            Assert.True(!passed || count == rows, $"the slot passed {end} with {count} of {rows} documents written");
            partialSeen += count > 0 && count < rows ? 1 : 0;
            return passed && CommitEnd(walsync.Output) is not null;
        }, timeout, "the slot to pass the transaction", () => Task.FromResult(walsync.Output[^Math.Min(2000, walsync.Output.Length)..]));
        var end = CommitEnd(walsync.Output)!.Value;
        var done = DateTime.UtcNow;
        var peak = ProcessMemory.PeakResidentBytes(walsync.Id);
        var output = walsync.Output;
        walsync.Terminate();
        var code = await walsync.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var firstPast = AcknowledgedLine().Matches(output).FirstOrDefault(m => NpgsqlLogSequenceNumber.Parse(m.Groups[1].Value) >= end);
        var importedBeforeAck = firstPast is null ? 0 : ImportedBefore(output, firstPast.Index);
        _output.WriteLine($"{rows} rows in one transaction (Batch:MaxRows {maxRows}, Batch:ChannelCapacity {channelCapacity}): commit took " +
            $"{(committed - started).TotalSeconds:F1} s, acknowledged ({firstPast?.Groups[1].Value} for the end {end}) {(done - committed).TotalSeconds:F1} s after the commit; peak RSS idle " +
            $"{idlePeak / (1024 * 1024)} MiB, after {peak / (1024 * 1024)} MiB; {partialSeen} polls saw the collection partly written and the slot not past the transaction");
        Assert.True(code == 0, $"exit code {code}");
        Assert.NotNull(firstPast);
        Assert.True(importedBeforeAck >= rows, $"only {importedBeforeAck} documents were imported before {firstPast.Groups[1].Value} (past {end}) was acknowledged");
        Assert.InRange(peak ?? 0, 1, peakBound);
    }

    /// <summary>The collection's num_documents (0 before it exists): cheap even for millions of documents, unlike a search.</summary>
    private async Task<long> CountDocumentsAsync(string collection)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(_harness.TypesenseUrl), "/collections/" + collection));
        request.Headers.Add("X-TYPESENSE-API-KEY", _harness.ApiKey);
        using var response = await Http.SendAsync(request);
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? 0
            : System.Text.Json.Nodes.JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["num_documents"]!.GetValue<long>();
    }

    private static NpgsqlLogSequenceNumber? CommitEnd(string output) =>
        CommitLine().Match(output) is { Success: true } match ? NpgsqlLogSequenceNumber.Parse(match.Groups[1].Value) : null;

    /// <summary>Documents the debug log says were imported before <paramref name="position"/> in the output.</summary>
    private static long ImportedBefore(string output, int position) => position < 0 ? 0 :
        ImportedLine().Matches(output[..position]).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("Received the commit of a transaction ending at ([0-9A-F]+/[0-9A-F]+)")]
    private static partial Regex CommitLine();

    [GeneratedRegex("Acknowledged LSN ([0-9A-F]+/[0-9A-F]+) ")]
    private static partial Regex AcknowledgedLine();

    [GeneratedRegex(@"Imported (\d+) documents into \S+ \((\d+) rejected")]
    private static partial Regex ImportedLine();
}

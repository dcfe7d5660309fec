using System.Globalization;
using System.Text.RegularExpressions;
using WalSync.Tests.Infrastructure;
using WalSync.TypesenseEmulator;
using Xunit.Abstractions;

namespace WalSync.Tests.Faults;

/// <summary>
/// The real <c>walsync</c> process under load while Typesense fails in one way for a while. Throughout, the slot is
/// read first and then the collection: every transaction that ended before the slot's confirmed_flush_lsn must be
/// visible. Afterwards WalSync must catch up on its own: the collection equals the table (nothing lost).
/// </summary>
public sealed partial class TypesenseOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan RetryInitialDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(1);
    private readonly ITestOutputHelper _output;
    private SyncHarness _harness = null!;
    private TcpRelay _relay = null!;

    public TypesenseOutageTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("outage", requireEmulator: true);
        await _harness.ExecuteAsync(EventWorkload.CreateTable);
        _relay = TcpRelay.Create(_harness.Emulator!.Url);
        _relay.Start();
    }

    public async Task DisposeAsync()
    {
        await _relay.DisposeAsync();
        await _harness.DisposeAsync();
    }

    public static TheoryData<OutageKind> Kinds => new(Enum.GetValues<OutageKind>());

    [Theory]
    [MemberData(nameof(Kinds))]
    public Task Run_TypesenseFailsForSeconds_NothingAcknowledgedUnwrittenAndCatchesUp(OutageKind kind) => RunOutageAsync(kind, TimeSpan.FromSeconds(3));

    [SoakTheory]
    [Trait("Category", "Soak")]
    [MemberData(nameof(Kinds))]
    public Task Run_TypesenseFailsForAMinute_NothingAcknowledgedUnwrittenAndCatchesUp(OutageKind kind) => RunOutageAsync(kind, TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Run_TypesensePortClosedAtStart_RetriesThenCopiesTheTableOnceItListens()
    {
        await _harness.ExecuteAsync("INSERT INTO events SELECT g, 1, 'x' FROM generate_series(1, 500) AS g");
        var options = _harness.Options(("public.events", "events"));
        options.Tables[0].ExcludeColumns = ["payload"];
        options.Typesense.Nodes.Clear();
        options.Typesense.Nodes.Add(_relay.Url.ToString());
        _relay.Stop();
        await using var walsync = WalSyncProcess.Run(options);
        await Eventually.HoldsAsync(() => Task.FromResult(Retries(walsync.Output).Count >= 3), TimeSpan.FromSeconds(60),
            "walsync to retry the closed port", () => Task.FromResult(walsync.Output));
        // The slot exists from the start (so nothing written meanwhile is lost), but nothing reached the collection.
        Assert.NotNull(await _harness.ConfirmedFlushLsnAsync());
        Assert.Empty(await _harness.DocumentsAsync("events"));

        _relay.Start();

        await _harness.WaitForConvergenceAsync("events", EventWorkload.Expected);
        await _harness.ExecuteAsync("UPDATE events SET v = 2 WHERE id <= 10");
        await _harness.WaitForConvergenceAsync("events", EventWorkload.Expected);
        walsync.Terminate();
        Assert.Equal(0, await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task RunOutageAsync(OutageKind kind, TimeSpan outage)
    {
        var options = _harness.Options(("public.events", "events"));
        options.Tables[0].ExcludeColumns = ["payload"];
        options.Typesense.Nodes.Clear();
        options.Typesense.Nodes.Add(_relay.Url.ToString());
        options.Typesense.RetryInitialDelay = RetryInitialDelay;
        options.Typesense.RetryMaxDelay = RetryMaxDelay;
        options.Batch.ChannelCapacity = 200;
        // A hung request is given up after a second, as a timeout, and retried.
        var environment = new Dictionary<string, string> { ["WALSYNC_Typesense__ImportTimeout"] = "00:00:01", ["WALSYNC_Typesense__ConnectionTimeout"] = "00:00:01" };
        await using var walsync = WalSyncProcess.Run(options, environment);
        await Eventually.HoldsAsync(() => Task.FromResult(walsync.Output.Contains("Streaming from slot", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), "walsync to start streaming", () => Task.FromResult(walsync.Output));
        var workload = new EventWorkload(_harness.ConnectionString);
        using var stopWriting = new CancellationTokenSource();
        var writing = workload.RunAsync(TimeSpan.FromMilliseconds(5), stopWriting.Token);
        var problems = new List<string>();
        await Eventually.HoldsAsync(async () => (await _harness.DocumentsAsync("events")).Count >= 100, TimeSpan.FromSeconds(30),
            "documents before the outage", () => Task.FromResult(walsync.Output));

        var retriesBefore = Retries(walsync.Output).Count;
        var committedBefore = workload.Committed;
        var confirmedBefore = await _harness.ConfirmedFlushLsnAsync();
        Begin(kind);
        var checks = 0;
        for (var end = DateTime.UtcNow + outage; DateTime.UtcNow < end; checks++)
        {
            await CheckAsync(workload, problems);
            await Task.Delay(250); // the pace of the checks, not a synchronisation
        }
        var confirmedAtEnd = await _harness.ConfirmedFlushLsnAsync();
        var retries = Retries(walsync.Output).Skip(retriesBefore).ToList();
        End(kind);
        var committedDuring = workload.Committed - committedBefore;
        await stopWriting.CancelAsync();
        await writing;
        await _harness.WaitForConvergenceAsync("events", EventWorkload.Expected, timeout: TimeSpan.FromSeconds(90));
        await CheckAsync(workload, problems);
        var peak = ProcessMemory.PeakResidentBytes(walsync.Id);
        walsync.Terminate();
        var code = await walsync.WaitForExitAsync(TimeSpan.FromSeconds(30));

        _output.WriteLine($"{kind}: survived {outage.TotalSeconds:F0} s; {committedDuring} transactions committed during it, {workload.Committed} in all; " +
            $"{checks} checks of the slot against the collection; {retries.Count} retries logged during it (delays {string.Join(", ", retries.Select(r => r.DelayMs))} ms); " +
            $"slot {confirmedBefore} -> {confirmedAtEnd} during it; peak RSS {peak / (1024 * 1024)} MiB; documents lost 0 (converged)");
        Assert.Empty(problems);
        Assert.True(code == 0, $"exit code {code}: {walsync.Output}");
        Assert.True(committedDuring > 0, "nothing was written during the outage");
        if (kind != OutageKind.Slow)
        {
            Assert.NotEmpty(retries);
            // Each delay is positive and at most the cap (Polly's jitter spreads them around the exponential curve), and
            // there are few of them: the client backs off instead of hammering a failing node.
            Assert.All(retries, r => Assert.InRange(r.DelayMs, 0.001, RetryMaxDelay.TotalMilliseconds + 1));
            Assert.InRange(retries.Count, 1, (outage / RetryInitialDelay) + 10);
            Assert.True(retries.Count < 4 || retries.Select(r => r.DelayMs).Distinct().Count() > 1, "the retry delays carry no jitter");
        }
        Assert.InRange(peak ?? 0, 1, 400L * 1024 * 1024);
    }

    /// <summary>Reads the slot, then the collection, and records every transaction before the slot that is not visible.</summary>
    private async Task CheckAsync(EventWorkload workload, List<string> problems)
    {
        if (await _harness.ConfirmedFlushLsnAsync() is { } confirmed)
        {
            problems.AddRange(workload.Check(confirmed, await _harness.DocumentsAsync("events")).Take(5));
        }
    }

    private void Begin(OutageKind kind)
    {
        var faults = _harness.Emulator!.Faults;
        switch (kind)
        {
            case OutageKind.ConnectionRefused: _relay.Stop(); break;
            case OutageKind.Slow: faults.SetDelay(TimeSpan.FromMilliseconds(300)); break;
            default:
                var fault = kind switch { OutageKind.ServiceUnavailable => FaultKind.ServiceUnavailable, OutageKind.InternalError => FaultKind.InternalError, _ => FaultKind.Hang };
                faults.FailFor(TimeSpan.FromHours(1), fault, FaultScope.Writes);
                break;
        }
    }

    private void End(OutageKind kind)
    {
        if (kind == OutageKind.ConnectionRefused)
        {
            _relay.Start();
        }
        _harness.Emulator!.Faults.Clear();
    }

    private static List<(int Attempt, double DelayMs)> Retries(string output) =>
        RetryLine().Matches(output).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 1000 * double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();

    [GeneratedRegex(@"failed on attempt (\d+) at .*?; retrying in ([0-9.]+) s")]
    private static partial Regex RetryLine();
}

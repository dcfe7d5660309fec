using Microsoft.Extensions.Time.Testing;
using WalSync.Configuration;
using WalSync.Replication;
using WalSync.Tests.Faults;

namespace WalSync.Tests.Replication;

/// <summary>The spill warning: spills count from the first read (older ones are not this run's), a slot that keeps
/// spilling is named at most hourly with everything since the last warning, and a statistics reset starts over.</summary>
public sealed class SlotSpillWatchTests : IDisposable
{
    private const int SpillWarningEventId = 1102;
    private const long Mebibyte = 1024 * 1024;
    private readonly FakeTimeProvider _time = new();
    private readonly LogCapture _logs = new();

    [Fact]
    public void Polled_SpillsAfterTheFirstRead_WarnsOnceAnHourWithTheSpillsSinceTheLastWarning()
    {
        var watch = new SlotSpillWatch(new PostgresOptions { Slot = "walsync" }, _time, _logs.Factory.CreateLogger("test"));

        watch.Polled((5, 500 * Mebibyte, "64MB"));
        watch.Polled((5, 500 * Mebibyte, "64MB"));
        Assert.Empty(Warnings());

        watch.Polled((6, 600 * Mebibyte, "64MB"));
        Assert.Equal(["The WAL sender of slot walsync spilled 1 transaction(s), 100 MiB of changes, to disk: each outgrew logical_decoding_work_mem " +
            "(64MB, the server's setting) while being decoded, so the server wrote and read back every change of it once more. Set " +
            "Postgres:LogicalDecodingWorkMem (e.g. \"256MB\") to give WalSync's WAL sender more memory for such transactions, or raise " +
            "logical_decoding_work_mem on the server"], Warnings());

        _time.Advance(TimeSpan.FromMinutes(59));
        watch.Polled((8, 650 * Mebibyte, "64MB"));
        Assert.Single(Warnings());

        _time.Advance(TimeSpan.FromMinutes(1));
        watch.Polled((9, 700 * Mebibyte, "64MB"));
        Assert.Equal(2, Warnings().Count);
        Assert.StartsWith("The WAL sender of slot walsync spilled 3 transaction(s), 100 MiB of changes", Warnings()[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Polled_StatisticsResetOrMissing_CountsFromTheNextRead()
    {
        var options = new PostgresOptions { Slot = "s", LogicalDecodingWorkMem = "256MB" };
        var watch = new SlotSpillWatch(options, _time, _logs.Factory.CreateLogger("test"));

        watch.Polled((null, null, "64MB"));
        watch.Polled((4, 400 * Mebibyte, "64MB"));
        watch.Polled((0, 0, "64MB"));
        Assert.Empty(Warnings());

        watch.Polled((2, 3 * Mebibyte, "64MB"));
        Assert.Contains("spilled 2 transaction(s), 3 MiB of changes, to disk: each outgrew logical_decoding_work_mem (256MB, Postgres:LogicalDecodingWorkMem)",
            Assert.Single(Warnings()), StringComparison.Ordinal);
    }

    public void Dispose() => _logs.Dispose();

    private List<string> Warnings() => _logs.Entries.Where(e => e.EventId == SpillWarningEventId).Select(e => e.Message).ToList();
}

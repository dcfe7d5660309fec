using Microsoft.Extensions.Time.Testing;
using NpgsqlTypes;
using WalSync.Status;

namespace WalSync.Tests.Status;

/// <summary>The state the executable serves: readiness, lag and the wait for a position.</summary>
public sealed class SyncStateTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private SyncState NewState() => new("walsync", "walsync", _time);

    [Fact]
    public void IsReady_StartingStandbyOrStopping_NotReadyWithReason()
    {
        var state = NewState();
        Assert.False(state.Snapshot().IsReady(Threshold, out var reason));
        Assert.Contains("starting", reason, StringComparison.Ordinal);

        state.SetPhase(SyncPhase.Standby);
        Assert.False(state.Snapshot().IsReady(Threshold, out reason));
        Assert.Contains("standby", reason, StringComparison.Ordinal);

        state.SetPhase(SyncPhase.Streaming);
        Assert.True(state.Snapshot().IsReady(Threshold, out _));

        state.SetPhase(SyncPhase.Stopping);
        state.SetPhase(SyncPhase.Streaming);
        Assert.False(state.Snapshot().IsReady(Threshold, out reason));
        Assert.Equal("stopping", reason);
    }

    [Fact]
    public void IsReady_FailingPastTheThreshold_NotReadyUntilAFlushSucceeds()
    {
        var state = NewState();
        state.SetPhase(SyncPhase.Streaming);
        state.Failing("Typesense answered 503");
        _time.Advance(Threshold - TimeSpan.FromSeconds(1));
        Assert.True(state.Snapshot().IsReady(Threshold, out _));
        Assert.Equal(SyncPhase.Retrying, state.Snapshot().Phase);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(state.Snapshot().IsReady(Threshold, out var reason));
        Assert.Contains("Typesense answered 503", reason, StringComparison.Ordinal);

        state.Flushed(new NpgsqlLogSequenceNumber(100), _time.GetUtcNow().UtcDateTime);
        var status = state.Snapshot();
        Assert.True(status.IsReady(Threshold, out _));
        Assert.Null(status.LastError);
        Assert.Equal(SyncPhase.Streaming, status.Phase);
    }

    [Fact]
    public void Restarting_CountsAndKeepsTheFirstFailureTime()
    {
        var state = NewState();
        state.SetPhase(SyncPhase.Streaming);
        state.Restarting("connection refused");
        var failingSince = state.Snapshot().FailingSince;
        _time.Advance(TimeSpan.FromSeconds(5));
        state.Restarting("connection refused again");

        var status = state.Snapshot();
        Assert.Equal(2, status.Restarts);
        Assert.Equal(SyncPhase.Retrying, status.Phase);
        Assert.Equal(failingSince, status.FailingSince);
        Assert.Equal("connection refused again", status.LastError);

        state.SetPhase(SyncPhase.Streaming);
        Assert.Null(state.Snapshot().FailingSince);
    }

    [Fact]
    public void LagSeconds_ZeroWhenCaughtUp_GrowsFromTheOldestTransactionNotFlushed()
    {
        var state = NewState();
        var committed = _time.GetUtcNow().UtcDateTime;
        state.CommitReceived(new NpgsqlLogSequenceNumber(100), committed);
        _time.Advance(TimeSpan.FromSeconds(3));
        state.CommitReceived(new NpgsqlLogSequenceNumber(200), committed.AddSeconds(2));
        Assert.Equal(3, state.Snapshot().LagSeconds, precision: 3);

        // The first is flushed, the second not: the lag counts from the flushed one's commit, a bound on the second's.
        state.Flushed(new NpgsqlLogSequenceNumber(100), committed);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, state.Snapshot().LagSeconds, precision: 3);

        state.Flushed(new NpgsqlLogSequenceNumber(200), committed.AddSeconds(2));
        Assert.Equal(0, state.Snapshot().LagSeconds);
    }

    [Fact]
    public void LagBytes_ServerPositionMinusAcknowledged_UnknownBeforeBoth()
    {
        var state = NewState();
        Assert.Null(state.Snapshot().LagBytes);
        state.SourcePolled(new NpgsqlLogSequenceNumber(10_000), new NpgsqlLogSequenceNumber(4_000), "reserved", 6_000);
        Assert.Equal(6_000, state.Snapshot().LagBytes);

        state.Acknowledged(new NpgsqlLogSequenceNumber(9_000));
        Assert.Equal(1_000, state.Snapshot().LagBytes);

        // Acknowledged past the last poll of the server: no negative lag.
        state.Acknowledged(new NpgsqlLogSequenceNumber(12_000));
        Assert.Equal(0, state.Snapshot().LagBytes);
    }

    [Fact]
    public async Task WaitForSearchableAsync_CompletesWhenAFlushOrAnAcknowledgementReachesTheLsn()
    {
        var state = NewState();
        var byFlush = state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(150), CancellationToken.None);
        var byAck = state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(300), CancellationToken.None);

        state.Flushed(new NpgsqlLogSequenceNumber(100), null);
        Assert.False(byFlush.IsCompleted);
        state.Flushed(new NpgsqlLogSequenceNumber(200), null);
        await byFlush;
        Assert.False(byAck.IsCompleted);

        state.Acknowledged(new NpgsqlLogSequenceNumber(300));
        await byAck;
        Assert.True(state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(250), CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitForSearchableAsync_Cancelled_ThrowsAndForgetsTheWaiter()
    {
        var state = NewState();
        using var cancel = new CancellationTokenSource();
        var waiting = state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(500), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        using var already = new CancellationTokenSource();
        await already.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(500), already.Token));
        state.Flushed(new NpgsqlLogSequenceNumber(600), null);
    }

    [Fact]
    public async Task WaitForSearchableAsync_LsnInsideAPageHeader_SatisfiedByTheEndOfThePageBefore()
    {
        var state = NewState();
        // A commit that ends exactly on the page boundary 0x4000; the insert position is then past the next page's header.
        var afterHeader = state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(0x4000 + 24), CancellationToken.None);
        // A commit record that spills 8 bytes onto the next page ends at offset 32: that one must really be flushed.
        var spilled = state.WaitForSearchableAsync(new NpgsqlLogSequenceNumber(0x4000 + 32), CancellationToken.None);

        state.Flushed(new NpgsqlLogSequenceNumber(0x4000), null);

        await afterHeader;
        Assert.False(spilled.IsCompleted);
        state.Flushed(new NpgsqlLogSequenceNumber(0x4000 + 32), null);
        await spilled;
    }

    [Fact]
    public void SearchableThrough_NeverGoesBack()
    {
        var state = NewState();
        state.Flushed(new NpgsqlLogSequenceNumber(500), null);
        // After a pipeline restart PostgreSQL resends older transactions; what was written stays written.
        state.Flushed(new NpgsqlLogSequenceNumber(300), null);
        Assert.Equal(new NpgsqlLogSequenceNumber(500), state.SearchableThrough);
    }

    [Fact]
    public void Backfills_ReportRowsPerTableAndStartAgainWhenResumed()
    {
        var state = NewState();
        state.BackfillStarted("public.a", "a__v1", 0, 2_000);
        state.RowsBackfilled("public.a", 1_000);
        state.RowsBackfilled("public.a", 500);
        state.BackfillStarted("public.b", "b__v2", 300, null);
        state.BackfillFinished("public.b");

        var backfills = state.Snapshot().Backfills;
        Assert.Equal(["public.a", "public.b"], backfills.Select(c => c.Table));
        Assert.Equal((1_500L, 2_000L, "a__v1"), (backfills[0].RowsDone, backfills[0].RowsEstimate!.Value, backfills[0].Collection));
        Assert.NotNull(backfills[0].StartedAt);
        Assert.Null(backfills[0].FinishedAt);
        Assert.Equal(300, backfills[1].RowsDone);
        Assert.NotNull(backfills[1].FinishedAt);
    }
}

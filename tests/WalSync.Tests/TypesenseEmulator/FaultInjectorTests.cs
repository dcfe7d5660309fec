using Microsoft.Extensions.Time.Testing;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Rules of <see cref="FaultInjector"/> without HTTP.</summary>
public sealed class FaultInjectorTests
{
    [Fact]
    public void FailWritesFor_WindowPassed_StopsFaulting()
    {
        var clock = new FakeTimeProvider();
        var faults = new FaultInjector(clock);
        faults.FailWritesFor(TimeSpan.FromSeconds(10), FaultKind.ServiceUnavailable);

        var during = faults.Take(RouteKind.DocumentImport, isWrite: true);
        var read = faults.Take(RouteKind.DocumentSearch, isWrite: false);
        clock.Advance(TimeSpan.FromSeconds(11));
        var after = faults.Take(RouteKind.DocumentImport, isWrite: true);

        Assert.Equal(FaultKind.ServiceUnavailable, during);
        Assert.Null(read);
        Assert.Null(after);
        Assert.Equal(1, faults.FaultsServedOf(FaultKind.ServiceUnavailable));
    }

    [Fact]
    public void FailNext_CountAndRoute_FaultsOnlyThatManyOfThatRoute()
    {
        var faults = new FaultInjector();
        faults.FailNext(2, FaultKind.InternalError, FaultScope.AllRequests, RouteKind.DocumentsDeleteByFilter);

        var import = faults.Take(RouteKind.DocumentImport, isWrite: true);
        var first = faults.Take(RouteKind.DocumentsDeleteByFilter, isWrite: true);
        var second = faults.Take(RouteKind.DocumentsDeleteByFilter, isWrite: true);
        var third = faults.Take(RouteKind.DocumentsDeleteByFilter, isWrite: true);

        Assert.Null(import);
        Assert.Equal(FaultKind.InternalError, first);
        Assert.Equal(FaultKind.InternalError, second);
        Assert.Null(third);
        Assert.Equal(2, faults.FaultsServed);
    }

    [Fact]
    public void Clear_AfterRulesDelayAndUnhealthy_RestoresNormalService()
    {
        var faults = new FaultInjector();
        faults.FailNextRequests(5, FaultKind.Hang);
        faults.SetDelay(TimeSpan.FromSeconds(1));
        faults.SetHealthy(false);
        var released = faults.WhenCleared();

        faults.Clear();

        Assert.Null(faults.Take(RouteKind.DocumentGet, isWrite: false));
        Assert.Equal(TimeSpan.Zero, faults.Delay);
        Assert.True(faults.IsHealthy);
        Assert.True(released.IsCompleted);
    }
}

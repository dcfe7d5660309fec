using Microsoft.Extensions.Time.Testing;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class NodeSelectorTests
{
    private static readonly string[] ThreeNodes = ["http://a:8108", "http://b:8108", "http://c:8108"];

    [Fact]
    public void Next_AllHealthy_RoundRobins()
    {
        var selector = new NodeSelector(ThreeNodes, null, TimeSpan.FromMinutes(1), new FakeTimeProvider());

        var picked = Enumerable.Range(0, 6).Select(_ => selector.Next().BaseUri.Host).ToArray();

        Assert.Equal(["a", "b", "c", "a", "b", "c"], picked);
    }

    [Fact]
    public void Next_FailedNode_SkippedForHealthcheckInterval()
    {
        var time = new FakeTimeProvider();
        var selector = new NodeSelector(ThreeNodes, null, TimeSpan.FromMinutes(1), time);
        selector.MarkFailed(selector.All.Single(n => n.BaseUri.Host == "b"));

        var during = Enumerable.Range(0, 4).Select(_ => selector.Next().BaseUri.Host).ToArray();
        time.Advance(TimeSpan.FromMinutes(1));
        var after = Enumerable.Range(0, 3).Select(_ => selector.Next().BaseUri.Host).ToArray();

        Assert.Equal(["a", "c", "a", "c"], during);
        Assert.Contains("b", after);
    }

    [Fact]
    public void Next_NearestHealthy_AlwaysFirstElseRoundRobin()
    {
        var time = new FakeTimeProvider();
        var selector = new NodeSelector(ThreeNodes, "http://near:8108", TimeSpan.FromSeconds(10), time);
        var near = selector.All.First();

        Assert.Equal("near", selector.Next().BaseUri.Host);
        Assert.Equal("near", selector.Next().BaseUri.Host);
        selector.MarkFailed(near);
        Assert.Equal(["a", "b"], new[] { selector.Next().BaseUri.Host, selector.Next().BaseUri.Host });
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("near", selector.Next().BaseUri.Host);
    }

    [Fact]
    public void Next_NoneHealthy_StillRotates()
    {
        var selector = new NodeSelector(ThreeNodes, null, TimeSpan.FromMinutes(1), new FakeTimeProvider());
        foreach (var node in selector.All)
        {
            selector.MarkFailed(node);
        }

        var picked = Enumerable.Range(0, 3).Select(_ => selector.Next().BaseUri.Host).ToHashSet();

        Assert.Equal(3, picked.Count);
    }
}

using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class IdDeletePlanTests
{
    [Theory]
    [InlineData("plain", true)]
    [InlineData("a,b", true)]
    [InlineData("(x) && y || z", true)]
    [InlineData("in side", true)]
    [InlineData("ünï/%+:[]", true)]
    [InlineData("*", false)]
    [InlineData("**", true)]
    [InlineData("tick`y", false)]
    [InlineData(" lead", false)]
    [InlineData("trail ", false)]
    [InlineData("back\\slash", false)]
    [InlineData("line\nbreak", false)]
    public void FilterCanExpress_Id_MatchesGrammarLimits(string id, bool expected) =>
        Assert.Equal(expected, IdDeletePlan.FilterCanExpress(id));

    [Fact]
    public void Create_OddIds_QuotesAndEncodesEachId()
    {
        var plan = IdDeletePlan.Create(["a+b", "c,d", "*", "`"]);

        var query = Assert.Single(plan.FilterQueries);
        Assert.Equal("filter_by=id%3A%5B%60a%2Bb%60%2C%60c%2Cd%60%5D", query);
        Assert.Equal("filter_by=id:[`a+b`,`c,d`]", Uri.UnescapeDataString(query));
        Assert.Equal(["*", "`"], plan.PathIds);
    }

    [Fact]
    public void Create_ManyIds_SplitsUnderLimitAndKeepsEveryIdOnce()
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => $"product-{i}/ü").ToList();

        var plan = IdDeletePlan.Create(ids, 8 * 1024);

        Assert.True(plan.FilterQueries.Count > 1);
        Assert.All(plan.FilterQueries, q => Assert.InRange(q.Length, 1, 8 * 1024));
        var decoded = plan.FilterQueries
            .SelectMany(q => Uri.UnescapeDataString(q)["filter_by=id:[".Length..^1].Split(','))
            .Select(v => v.Trim('`'))
            .ToList();
        Assert.Equal(ids, decoded);
        Assert.Empty(plan.PathIds);
    }

    [Fact]
    public void Create_IdLongerThanAnyFilter_GoesByPath()
    {
        var longId = new string('x', 100);

        var plan = IdDeletePlan.Create(["short", longId, ""], 80);

        Assert.Equal(["filter_by=id%3A%5B%60short%60%5D"], plan.FilterQueries);
        Assert.Equal([longId], plan.PathIds);
    }
}

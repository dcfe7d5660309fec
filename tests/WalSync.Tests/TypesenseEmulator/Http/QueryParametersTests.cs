using WalSync.TypesenseEmulator.Http;

namespace WalSync.Tests.TypesenseEmulator.Http;

/// <summary>Query strings split and decoded like Typesense's <c>parse_query_string()</c>.</summary>
public sealed class QueryParametersTests
{
    [Fact]
    public void Parse_RawDoubleAmpersandAndPlus_KeepsOneValueWithSpaces()
    {
        var query = new QueryParameters("filter_by=price:>1&&count:<5&q=a+b%2Bc&x=1&x=2");

        Assert.Equal("price:>1&&count:<5", query["filter_by"]);
        Assert.Equal("a b+c", query["q"]);
        Assert.Equal("2", query["x"]);
    }

    [Fact]
    public void Parse_RepeatedFilterBy_JoinsWithAnd()
    {
        var query = new QueryParameters("filter_by=id:a&filter_by=price:>1&cache_ttl=5");

        Assert.Equal("id:a&&price:>1", query["filter_by"]);
        Assert.False(query.Has("cache_ttl"));
    }
}

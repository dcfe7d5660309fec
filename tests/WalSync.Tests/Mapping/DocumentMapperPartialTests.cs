using WalSync.Configuration;
using WalSync.Mapping;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

/// <summary>Which rows can be sent as partial documents (<c>action=update</c>).</summary>
public class DocumentMapperPartialTests
{
    // k integer, big text, jb jsonb, jba jsonb[]
    private static readonly DocumentMapper Mapper =
        new(Relation(("k", 23), ("big", 25), ("jb", 3802), ("jba", 3807)), ["k"], new TableOptions { Table = "public.items" }, PgTypeCatalog.BuiltIn);

    // Regression: a jsonb object sent with action=update was merged into the stored object (keys it lacked stayed,
    // keys holding null were removed) instead of replacing it.
    [Fact]
    public void CanUpdatePartially_RowCarriesJsonObject_IsFalse() =>
        Assert.False(Mapper.CanUpdatePartially(Row("1", Unchanged, "{\"a\": null}", null)));

    [Theory]
    [InlineData(null)]
    [InlineData("unchanged")]
    public void CanUpdatePartially_JsonObjectNullOrUnchanged_IsTrue(string? jb) =>
        Assert.True(Mapper.CanUpdatePartially(Row("1", Unchanged, jb is null ? null : Unchanged, "{\"{\\\"a\\\": 1}\"}")));
}

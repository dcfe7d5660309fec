using System.Text.Json;
using WalSync.Configuration;
using WalSync.Mapping;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

public class CollectionSchemaBuildTests
{
    [Fact]
    public void BuildCollectionSchema_EveryMappedType_HasTypesenseTypeAndOnlyKeyRequired()
    {
        var relation = Relation(("k", 20), ("small", 21), ("amount", 1700), ("flag", 16), ("title", 1043), ("code", 2950),
            ("at", 1184), ("day", 1082), ("meta", 3802), ("tags", 1009), ("scores", 1022), ("span", 1186), ("addrs", 1041));

        var schema = new DocumentMapper(relation, ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn).BuildCollectionSchema("products");

        Assert.Equal("products", schema.Name);
        Assert.True(schema.EnableNestedFields);
        Assert.Equal(
            ["k:int64", "small:int32", "amount:float", "flag:bool", "title:string", "code:string", "at:int64", "day:int64",
             "meta:object", "tags:string[]", "scores:float[]", "span:string", "addrs:string[]"],
            schema.Fields.Select(f => $"{f.Name}:{f.Type}"));
        Assert.Equal(["k"], schema.Fields.Where(f => !f.Optional).Select(f => f.Name));
        Assert.All(schema.Fields, f => Assert.False(f.Facet));
    }

    [Fact]
    public void BuildCollectionSchema_Serialized_HasTypesenseShape()
    {
        var schema = SingleValueMapper(3802).BuildCollectionSchema("items");

        var json = JsonSerializer.Serialize(schema);

        Assert.Equal(
            "{\"name\":\"items\",\"fields\":[{\"name\":\"k\",\"type\":\"int32\",\"optional\":false,\"facet\":false},"
            + "{\"name\":\"v\",\"type\":\"object\",\"optional\":true,\"facet\":false}],\"enable_nested_fields\":true}",
            json);
    }
}

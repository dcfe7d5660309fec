using WalSync.Configuration;
using WalSync.Mapping;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

public class DocumentMapperKeyTests
{
    private static DocumentMapper CompositeMapper() => new(
        Relation(("tenant", 25), ("sku", 25), ("name", 25)), ["tenant", "sku"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

    [Fact]
    public void GetDocumentId_SingleKey_IsTextForm()
    {
        var mapper = new DocumentMapper(Relation(("code", 2950), ("v", 25)), ["code"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", mapper.GetDocumentId(Row("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x")));
    }

    [Fact]
    public void GetDocumentId_CompositeKeysThatJoinAlike_Differ()
    {
        var mapper = CompositeMapper();

        var first = mapper.GetDocumentId(Row("a|b", "c", null));
        var second = mapper.GetDocumentId(Row("a", "b|c", null));

        Assert.Equal("a\\|b|c", first);
        Assert.Equal("a|b\\|c", second);
    }

    [Theory]
    [InlineData("a\\", "|b", "a\\\\|\\|b")]
    [InlineData("a\\|", "b", "a\\\\\\||b")]
    [InlineData("", "", "|")]
    public void GetDocumentId_CompositeKeyWithEscapes_EscapesBackslashAndBar(string tenant, string sku, string expected)
    {
        Assert.Equal(expected, CompositeMapper().GetDocumentId(Row(tenant, sku, "n")));
    }

    [Fact]
    public void GetDocumentId_CompositeKeyParts_AreInjective()
    {
        string[] parts = ["", "a", "|", "\\", "a|", "|b", "\\|", "a\\", "b"];
        var mapper = CompositeMapper();
        var ids = new Dictionary<string, (string, string)>();

        foreach (var tenant in parts)
        {
            foreach (var sku in parts)
            {
                var id = mapper.GetDocumentId(Row(tenant, sku, null));
                Assert.True(ids.TryAdd(id, (tenant, sku)), $"({tenant}, {sku}) and {ids.GetValueOrDefault(id)} share the id {id}");
            }
        }
    }

    [Fact]
    public void WriteDocument_CompositeKey_WritesIdAndKeyFields()
    {
        var (result, written) = Write(CompositeMapper(), Row("t\"1", "a|b", "x"));

        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"t\\\"1|a\\\\|b\",\"tenant\":\"t\\\"1\",\"sku\":\"a|b\",\"name\":\"x\"}\n", written);
    }

    [Fact]
    public void GetDocumentId_KeyTupleWithOtherColumnsNull_UsesKeyColumns()
    {
        Assert.Equal("t|s", CompositeMapper().GetDocumentId(Row("t", "s", null)));
    }

    [Fact]
    public void GetDocumentId_KeyColumnNull_ThrowsNamingColumn()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CompositeMapper().GetDocumentId(Row("t", null, "n")));

        Assert.Equal("Table public.items: key column sku: the value is NULL, so the row has no document id.", error.Message);
    }

    [Fact]
    public void TryGetDocumentId_KeyUnchangedToast_ReturnsFalseWithReason()
    {
        Assert.False(CompositeMapper().TryGetDocumentId(Row("t", Unchanged, "n"), out var id, out var error));
        Assert.Null(id);
        Assert.StartsWith("key column sku: the value is an unchanged TOASTed value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_KeyColumnNamedId_IsOnlyTheDocumentId()
    {
        var mapper = new DocumentMapper(Relation(("id", 20), ("name", 25)), ["id"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        var (result, written) = Write(mapper, Row("42", "x"));

        Assert.Equal(["name"], mapper.Fields.Select(f => f.Name));
        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"42\",\"name\":\"x\"}\n", written);
    }

    [Fact]
    public void Fields_KeyColumnsOfReplicaIdentityFull_ComeFromKeyColumnsArgument()
    {
        var relation = new WalSync.Replication.RelationInfo(1, "public", "items", WalSync.Replication.ReplicaIdentity.Full,
            [new("k", 23, -1, true), new("v", 25, -1, true)]);

        var mapper = new DocumentMapper(relation, ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        Assert.Equal("7", mapper.GetDocumentId(Row("7", "x")));
        Assert.Equal([false, true], mapper.Fields.Select(f => f.Optional));
    }
}

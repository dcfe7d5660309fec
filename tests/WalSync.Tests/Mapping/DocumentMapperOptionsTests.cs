using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

public class DocumentMapperOptionsTests
{
    // k integer (key), name text, price numeric, deleted_at timestamptz, archived boolean
    private static readonly RelationInfo Products = Relation(("k", 23), ("name", 25), ("price", 1700), ("deleted_at", 1184), ("archived", 16));

    private static DocumentMapper Mapper(TableOptions options) => new(Products, ["k"], options, PgTypeCatalog.BuiltIn);

    [Fact]
    public void Fields_Columns_KeepsListedColumnsAndKey()
    {
        var mapper = Mapper(new TableOptions { Table = "public.items", Columns = ["price", "name"] });

        var (_, written) = Write(mapper, Row("1", "n", "2.5", null, "f"));

        Assert.Equal(["k", "name", "price"], mapper.Fields.Select(f => f.Name));
        Assert.Equal("{\"id\":\"1\",\"k\":1,\"name\":\"n\",\"price\":2.5}\n", written);
    }

    [Fact]
    public void Fields_ExcludeColumns_LeavesThemOut()
    {
        var mapper = Mapper(new TableOptions { Table = "public.items", ExcludeColumns = ["price", "archived"] });

        Assert.Equal(["k", "name", "deleted_at"], mapper.Fields.Select(f => f.Name));
    }

    [Theory]
    [InlineData(new[] { "nme" }, null, null, "Table public.items: Tables[].Columns names \"nme\", which is not a published column (columns: k, name, price, deleted_at, archived); fix or remove the entry.")]
    [InlineData(null, new[] { "prce" }, null, "Table public.items: Tables[].ExcludeColumns names \"prce\", which is not a published column (columns: k, name, price, deleted_at, archived); fix or remove the entry.")]
    [InlineData(null, new[] { "k" }, null, "Table public.items: Tables[].ExcludeColumns names \"k\", which is part of the key that makes the document id; remove it from the list.")]
    [InlineData(new[] { "name" }, new[] { "price" }, null, "Table public.items: Tables[].Columns and Tables[].ExcludeColumns are both set; set only one of them.")]
    [InlineData(null, null, "removed", "Table public.items: Tables[].SoftDeleteColumn names \"removed\", which is not a published column (columns: k, name, price, deleted_at, archived); fix the setting.")]
    public void Constructor_SettingNamingNoColumn_ThrowsWithTableColumnAndFix(string[]? columns, string[]? exclude, string? softDelete, string expected)
    {
        var options = new TableOptions { Table = "public.items", Columns = columns, ExcludeColumns = exclude, SoftDeleteColumn = softDelete };

        var error = Assert.Throws<MappingConfigurationException>(() => Mapper(options));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Constructor_KeyColumnNotPublished_Throws()
    {
        var error = Assert.Throws<MappingConfigurationException>(() =>
            new DocumentMapper(Products, ["k", "sku"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn));

        Assert.Equal("Table public.items: key column \"sku\" is not published; a publication column list must include every key column.", error.Message);
    }

    [Fact]
    public void Constructor_NoKey_ThrowsNamingFix()
    {
        var error = Assert.Throws<MappingConfigurationException>(() =>
            new DocumentMapper(Products, [], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn));

        Assert.Contains("has no primary key", error.Message, StringComparison.Ordinal);
        Assert.Contains("REPLICA IDENTITY USING INDEX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NonKeyColumnNamedId_ThrowsUnlessExcluded()
    {
        var relation = Relation(("k", 23), ("id", 25));

        var error = Assert.Throws<MappingConfigurationException>(() =>
            new DocumentMapper(relation, ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn));
        var excluded = new DocumentMapper(relation, ["k"], new TableOptions { Table = "items", ExcludeColumns = ["id"] }, PgTypeCatalog.BuiltIn);

        Assert.Contains("add \"id\" to Tables[].ExcludeColumns", error.Message, StringComparison.Ordinal);
        Assert.Equal(["k"], excluded.Fields.Select(f => f.Name));
    }

    [Theory]
    [InlineData("t", true)]
    [InlineData("f", false)]
    [InlineData(null, false)]
    public void IsSoftDeleted_BooleanColumn_TrueOnlyWhenTrue(string? archived, bool expected)
    {
        var mapper = Mapper(new TableOptions { Table = "items", SoftDeleteColumn = "archived" });

        Assert.Equal(expected, mapper.IsSoftDeleted(Row("1", "n", "1", null, archived)));
    }

    [Theory]
    [InlineData("2024-03-05 13:15:16+00", true)]
    [InlineData(null, false)]
    public void IsSoftDeleted_OtherColumn_TrueWhenNotNull(string? deletedAt, bool expected)
    {
        var mapper = Mapper(new TableOptions { Table = "items", SoftDeleteColumn = "deleted_at" });

        Assert.Equal(expected, mapper.IsSoftDeleted(Row("1", "n", "1", deletedAt, "f")));
    }

    [Fact]
    public void IsSoftDeleted_ColumnUnchangedOrNotSet_False()
    {
        var withColumn = Mapper(new TableOptions { Table = "items", SoftDeleteColumn = "name" });
        var without = Mapper(new TableOptions { Table = "items" });

        Assert.False(withColumn.IsSoftDeleted(Row("1", Unchanged, "1", null, "t")));
        Assert.False(without.IsSoftDeleted(Row("1", "n", "1", "2024-03-05 13:15:16+00", "t")));
    }

    [Fact]
    public void IsSoftDeleted_ExcludedColumn_StillDecides()
    {
        var mapper = Mapper(new TableOptions { Table = "items", SoftDeleteColumn = "archived", ExcludeColumns = ["archived"] });

        Assert.True(mapper.IsSoftDeleted(Row("1", "n", "1", null, "t")));
        Assert.DoesNotContain(mapper.Fields, f => f.Name == "archived");
    }

    [Fact]
    public void WriteDocument_Partial_LeavesOutUnchangedToastAndWritesNullForNull()
    {
        var mapper = Mapper(new TableOptions { Table = "items" });

        var (result, written) = Write(mapper, Row("1", Unchanged, null, "2024-03-05 13:15:16+00", "t"), partial: true);

        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"1\",\"k\":1,\"price\":null,\"deleted_at\":1709644516,\"archived\":true}\n", written);
    }
}

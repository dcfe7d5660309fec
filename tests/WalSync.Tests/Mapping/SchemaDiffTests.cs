using WalSync.Mapping;
using WalSync.Typesense;

namespace WalSync.Tests.Mapping;

public class SchemaDiffTests
{
    private static FieldSchema F(string name, string type) => new() { Name = name, Type = type, Optional = true };

    [Fact]
    public void Compare_SameFields_IsEmpty()
    {
        var diff = SchemaDiff.Compare([F("a", "string"), F("b", "int32")], [F("a", "string"), F("b", "int32")]);

        Assert.True(diff.IsEmpty);
        Assert.Empty(diff.FieldsToDrop);
        Assert.Empty(diff.FieldsToAdd);
    }

    [Fact]
    public void Compare_AddedDroppedChanged_ReportsEach()
    {
        var diff = SchemaDiff.Compare(
            [F("a", "string"), F("gone", "bool"), F("n", "int32")],
            [F("a", "string"), F("n", "int64"), F("new", "float")]);

        Assert.False(diff.IsEmpty);
        Assert.Equal(["new"], diff.Added.Select(f => f.Name));
        Assert.Equal(["gone"], diff.Dropped.Select(f => f.Name));
        Assert.Equal([new FieldTypeChange("n", "int32", "int64")], diff.Changed);
        Assert.Equal(["gone", "n"], diff.FieldsToDrop);
        Assert.Equal(["new:float", "n:int64"], diff.FieldsToAdd.Select(f => $"{f.Name}:{f.Type}"));
        Assert.Empty(diff.Incompatible);
    }

    [Theory]
    [InlineData("int32", "int64", true)]
    [InlineData("int64", "float", true)]
    [InlineData("int32", "string", true)]
    [InlineData("int32[]", "int64[]", true)]
    [InlineData("int64", "int32", false)]
    [InlineData("float", "int64", false)]
    [InlineData("string", "int64", false)]
    [InlineData("bool", "string", false)]
    [InlineData("float", "string", false)]
    [InlineData("string", "object", false)]
    [InlineData("int32", "int32[]", false)]
    [InlineData("int64", "string[]", false)]
    public void CanAlterInPlace_TypePair_TrueOnlyWhenStoredValuesStayRight(string from, string to, bool expected)
    {
        Assert.Equal(expected, new FieldTypeChange("f", from, to).CanAlterInPlace);
    }

    [Fact]
    public void Describe_IncompatibleChange_SaysCollectionMustBeRebuilt()
    {
        var diff = SchemaDiff.Compare([F("price", "string")], [F("price", "float")]);

        var change = Assert.Single(diff.Incompatible);
        Assert.Equal(
            "Field price of collection products changes type from string to float; the documents already in the collection hold string values "
            + "that Typesense cannot convert to what the table now holds, so the collection must be rebuilt from the table.",
            change.Describe("products"));
    }
}

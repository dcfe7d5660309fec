using System.Buffers;
using WalSync.Configuration;
using WalSync.Mapping;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

public class DocumentMapperFailureTests
{
    [Theory]
    [InlineData(1700u, "NaN", "column v: numeric NaN cannot be stored in a Typesense float field")]
    [InlineData(1700, "Infinity", "column v: numeric Infinity cannot be stored in a Typesense float field")]
    [InlineData(701, "-Infinity", "column v: double precision -Infinity cannot be stored in a Typesense float field")]
    [InlineData(700, "NaN", "column v: real NaN cannot be stored in a Typesense float field")]
    [InlineData(1231, "{1.5,NaN}", "column v, element 2: numeric NaN cannot be stored in a Typesense float[] field")]
    [InlineData(1022, "{NULL,Infinity}", "column v, element 2: double precision Infinity cannot be stored in a Typesense float[] field")]
    [InlineData(1184, "infinity", "column v: timestamptz infinity cannot be stored in a Typesense int64 field")]
    [InlineData(1114, "-infinity", "column v: timestamp -infinity cannot be stored in a Typesense int64 field")]
    [InlineData(1082, "infinity", "column v: date infinity cannot be stored in a Typesense int64 field")]
    [InlineData(1185, "{\"2024-03-05 13:15:16+00\",-infinity}", "column v, element 2: timestamptz -infinity cannot be stored in a Typesense int64[] field")]
    [InlineData(3802, "[1, 2]", "column v: jsonb value is not a JSON object, and a Typesense object field holds only objects")]
    [InlineData(114, " \"text\"", "column v: json value is not a JSON object, and a Typesense object field holds only objects")]
    [InlineData(3802, "null", "column v: jsonb value is not a JSON object, and a Typesense object field holds only objects")]
    [InlineData(3807, "{\"{}\",\"[1]\"}", "column v, element 2: jsonb value is not a JSON object, and a Typesense object[] field holds only objects")]
    [InlineData(1700, "1" + "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "column v: numeric value is outside the range of a Typesense float field")]
    [InlineData(1007, "{{1,2},{3,4}}", "column v: a multi-dimensional integer[] value cannot be stored in a Typesense int32[] field; exclude the column with Tables[].ExcludeColumns to keep the table in sync without it")]
    [InlineData(1007, "[1:2][1:1]={{1},{2}}", "column v: a multi-dimensional integer[] value cannot be stored in a Typesense int32[] field; exclude the column with Tables[].ExcludeColumns to keep the table in sync without it")]
    public void WriteDocument_ValueTypesenseCannotHold_FailsWithReasonAndWritesNothing(uint typeOid, string text, string expectedError)
    {
        var (result, written) = Write(SingleValueMapper(typeOid), Row("1", text));

        Assert.False(result.Success);
        Assert.Equal(expectedError, result.Error);
        Assert.Equal("", written);
    }

    [Theory]
    [InlineData(23u, "2147483648")]
    [InlineData(23, "-2147483649")]
    [InlineData(23, "-")]
    [InlineData(20, "99999999999999999999999")]
    [InlineData(21, "12x")]
    [InlineData(20, "9223372036854775808")]
    [InlineData(20, "")]
    [InlineData(23, "007")]
    [InlineData(701, ".5")]
    [InlineData(701, "1e")]
    [InlineData(16, "true")]
    [InlineData(1184, "2024-03-05T13:15:16Z")]
    [InlineData(1184, "2024-03-05 13:15:16 +00")]
    [InlineData(1082, "03/05/2024")]
    [InlineData(1007, "{1,2")]
    [InlineData(1007, "{1,}")]
    [InlineData(1009, "{\"unterminated}")]
    [InlineData(1007, "1,2")]
    public void WriteDocument_MalformedText_FailsNamingColumnWithoutThrowing(uint typeOid, string text)
    {
        var (result, written) = Write(SingleValueMapper(typeOid), Row("1", text));

        Assert.False(result.Success);
        Assert.StartsWith("column v", result.Error, StringComparison.Ordinal);
        Assert.Equal("", written);
    }

    [Fact]
    public void WriteDocument_FailureAfterEarlierSuccess_KeepsEarlierDocumentOnly()
    {
        var mapper = SingleValueMapper(1700);
        var output = new ArrayBufferWriter<byte>();

        Assert.True(mapper.WriteDocument(Row("1", "2.5"), output, partial: false).Success);
        Assert.False(mapper.WriteDocument(Row("2", "NaN"), output, partial: false).Success);
        Assert.True(mapper.WriteDocument(Row("3", "4"), output, partial: false).Success);

        Assert.Equal("{\"id\":\"1\",\"k\":1,\"v\":2.5}\n{\"id\":\"3\",\"k\":3,\"v\":4}\n", System.Text.Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteDocument_InvalidUtf8_FailsNamingColumn()
    {
        var builder = new WalSync.Replication.RowImageBuilder();
        builder.Start(2);
        builder.AddText("1");
        builder.AddText([0x61, 0xff, 0x62]);

        var (result, written) = Write(SingleValueMapper(25), builder.Build());

        Assert.False(result.Success);
        Assert.Equal("column v: text value is not valid UTF-8 or is too long for a JSON string", result.Error);
        Assert.Equal("", written);
    }

    [Fact]
    public void WriteDocument_InvalidUtf8Key_FailsWithoutThrowing()
    {
        var builder = new WalSync.Replication.RowImageBuilder();
        builder.Start(2);
        builder.AddText([0xc3, 0x28]);
        builder.AddText("x");
        var mapper = new DocumentMapper(Relation(("k", 25), ("v", 25)), ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        var (result, written) = Write(mapper, builder.Build());

        Assert.Equal("the key is not valid UTF-8 or is too long for a document id", result.Error);
        Assert.Equal("", written);
    }

    [Fact]
    public void WriteDocument_UnchangedToastInFullDocument_Fails()
    {
        var (result, written) = Write(SingleValueMapper(25), Row("1", Unchanged), partial: false);

        Assert.False(result.Success);
        Assert.StartsWith("column v: the value is an unchanged TOASTed value", result.Error, StringComparison.Ordinal);
        Assert.Equal("", written);
    }

    [Fact]
    public void WriteDocument_KeyUnchangedToast_FailsInBothModes()
    {
        var mapper = new DocumentMapper(Relation(("k", 25), ("v", 25)), ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        Assert.StartsWith("key column k: the value is an unchanged TOASTed value", Write(mapper, Row(Unchanged, "x"), partial: true).Result.Error, StringComparison.Ordinal);
        Assert.StartsWith("key column k: the value is an unchanged TOASTed value", Write(mapper, Row(Unchanged, "x")).Result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteDocument_EmptySingleKey_Fails()
    {
        var mapper = new DocumentMapper(Relation(("k", 25)), ["k"], new TableOptions { Table = "items" }, PgTypeCatalog.BuiltIn);

        var (result, written) = Write(mapper, Row(""));

        Assert.Equal("key column k: the value is empty, and a Typesense document id must not be empty", result.Error);
        Assert.Equal("", written);
    }

    [Fact]
    public void WriteDocument_RowOfOtherRelationVersion_Fails()
    {
        var (result, _) = Write(SingleValueMapper(25), Row("1", "a", "b"));

        Assert.Equal("the row has 3 columns but the relation has 2", result.Error);
    }
}

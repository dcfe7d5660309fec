using WalSync.Configuration;
using WalSync.Mapping;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Mapping;

public class DocumentMapperValueTests
{
    [Theory]
    [InlineData(21u, "-32768", "-32768")]
    [InlineData(23, "2147483647", "2147483647")]
    [InlineData(23, "-2147483648", "-2147483648")]
    [InlineData(23, "0", "0")]
    [InlineData(20, "-9223372036854775808", "-9223372036854775808")]
    [InlineData(700, "1.1", "1.1")]
    [InlineData(701, "1e+100", "1e+100")]
    [InlineData(701, "-0", "-0")]
    [InlineData(701, "5e-324", "5e-324")]
    [InlineData(1700, "1.000", "1.000")]
    [InlineData(1700, "-12345.6789", "-12345.6789")]
    [InlineData(1700, "1000000000000000000000000000000", "1000000000000000000000000000000")]
    [InlineData(16, "t", "true")]
    [InlineData(16, "f", "false")]
    [InlineData(25, "h\u00e9llo \"q\" \\ <b>", "\"h\u00e9llo \\\"q\\\" \\\\ <b>\"")]
    [InlineData(1043, "line\nbreak", "\"line\\nbreak\"")]
    [InlineData(1042, "ab   ", "\"ab   \"")]
    [InlineData(19, "pg_class", "\"pg_class\"")]
    [InlineData(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"")]
    [InlineData(2950, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"")]
    [InlineData(1184, "2024-03-05 13:15:16.123456+00", "1709644516")]
    [InlineData(1114, "2024-03-05 13:15:16", "1709644516")]
    [InlineData(1082, "2024-03-05", "1709596800")]
    [InlineData(1082, "1960-02-29", "-310521600")]
    [InlineData(3802, "{\"a\": null, \"k\": [1, 2.50]}", "{\"a\": null, \"k\": [1, 2.50]}")]
    [InlineData(114, " {\"b\":1,\n \"a\" : [\"x\\ny\"]}\r\n", " {\"b\":1,  \"a\" : [\"x\\ny\"]}  ")]
    [InlineData(1083, "14:15:16.5", "\"14:15:16.5\"")]
    [InlineData(1186, "1 year 2 mons 3 days 04:05:06.7", "\"1 year 2 mons 3 days 04:05:06.7\"")]
    [InlineData(869, "192.168.0.1/24", "\"192.168.0.1/24\"")]
    [InlineData(17, "\\x00ff41", "\"\\\\x00ff41\"")]
    [InlineData(600, "(1.5,-2)", "\"(1.5,-2)\"")]
    [InlineData(790, "$12.34", "\"$12.34\"")]
    [InlineData(142, "<a>x</a>", "\"<a>x</a>\"")]
    [InlineData(3904, "[1,5)", "\"[1,5)\"")]
    [InlineData(1560, "101", "\"101\"")]
    public void WriteDocument_ScalarValue_WritesMappedJson(uint typeOid, string text, string expectedJson) =>
        AssertMapsTo(typeOid, text, expectedJson);

    [Theory]
    [InlineData(1007u, "{1,2,3}", "[1,2,3]")]
    [InlineData(1005, "{-1,NULL,7}", "[-1,7]")]
    [InlineData(1016, "{}", "[]")]
    [InlineData(1016, "[0:1]={5,6}", "[5,6]")]
    [InlineData(1022, "{1.5,NULL,1e+100,-0}", "[1.5,1e+100,-0]")]
    [InlineData(1231, "{1.000,NULL}", "[1.000]")]
    [InlineData(1000, "{t,f,NULL}", "[true,false]")]
    [InlineData(1009, "{a,\"b c\",\"d\\\"e\",\"\",\"NULL\",NULL,\"x,y\",\"{z}\",\"back\\\\slash\"}",
        "[\"a\",\"b c\",\"d\\\"e\",\"\",\"NULL\",\"x,y\",\"{z}\",\"back\\\\slash\"]")]
    [InlineData(1014, "{\"ab \",cd}", "[\"ab \",\"cd\"]")]
    [InlineData(2951, "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "[\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"]")]
    [InlineData(1185, "{\"2024-03-05 13:15:16.5+00\",NULL,\"1969-12-31 23:59:59.5+00\"}", "[1709644516,-1]")]
    [InlineData(1182, "{2024-03-05,\"0001-01-01 BC\"}", "[1709596800,-62167219200]")]
    [InlineData(3807, "{\"{\\\"a\\\": 1}\",NULL,\"{}\"}", "[{\"a\": 1},{}]")]
    [InlineData(1183, "{14:15:16.5,NULL}", "[\"14:15:16.5\"]")]
    [InlineData(1020, "{(1,1),(0,0);(2,2),(1,1)}", "[\"(1,1),(0,0)\",\"(2,2),(1,1)\"]")]
    public void WriteDocument_ArrayValue_WritesArrayWithoutNullElements(uint typeOid, string text, string expectedJson) =>
        AssertMapsTo(typeOid, text, expectedJson);

    [Fact]
    public void WriteDocument_NullColumn_LeavesFieldOut()
    {
        var (result, written) = Write(SingleValueMapper(25), Row("1", null));

        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"1\",\"k\":1}\n", written);
    }

    [Fact]
    public void WriteDocument_EnumDomainAndCitext_MapByBaseType()
    {
        var types = PgTypeCatalogTests.CatalogWithUserTypes();
        var mapper = new DocumentMapper(
            Relation(("k", 23), ("mood", 50001), ("price", 50002), ("email", 50003), ("moods", 50011), ("prices", 50012), ("nested", 50004)),
            ["k"], new TableOptions { Table = "public.items" }, types);

        var (result, written) = Write(mapper, Row("1", "happy", "9.50", "A@b.c", "{happy,sad}", "{1.5,NULL}", "4"));

        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"1\",\"k\":1,\"mood\":\"happy\",\"price\":9.50,\"email\":\"A@b.c\",\"moods\":[\"happy\",\"sad\"],\"prices\":[1.5],\"nested\":4}\n", written);
        Assert.Equal(["int32", "string", "float", "string", "string[]", "float[]", "int64"], mapper.Fields.Select(f => f.Type));
    }

    [Fact]
    public void WriteDocument_TypeUnknownToCatalog_WritesTextAsString()
    {
        var (result, written) = Write(SingleValueMapper(99999), Row("1", "(1,x)"));

        Assert.True(result.Success, result.Error);
        Assert.Equal("{\"id\":\"1\",\"k\":1,\"v\":\"(1,x)\"}\n", written);
    }

    // Maps the row (1, text) of a table keyed by integer k with one column v of the given type.
    private static void AssertMapsTo(uint typeOid, string text, string expectedJson)
    {
        var (result, written) = Write(SingleValueMapper(typeOid), Row("1", text));

        Assert.True(result.Success, result.Error);
        Assert.Equal($"{{\"id\":\"1\",\"k\":1,\"v\":{expectedJson}}}\n", written);
    }
}

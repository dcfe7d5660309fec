using System.Text;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class ImportResultParserTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("{}", 1)]
    [InlineData("{}\n", 1)]
    [InlineData("{}\n\n{}", 2)]
    [InlineData("\n{}\r\n \n{}", 3)] // a whitespace-only line is answered (as bad JSON)
    public void CountLines_Body_CountsNonEmptyLines(string ndjson, int expected) =>
        Assert.Equal(expected, ImportResultParser.CountLines(Encoding.UTF8.GetBytes(ndjson)));

    [Fact]
    public void Parse_MixedLines_ReturnsResultsInOrder()
    {
        const string body = "{\"success\":true}\n{\"code\":400,\"document\":\"{}\",\"error\":\"Field `a` must be a string.\",\"id\":\"7\",\"success\":false}\n{\"id\":\"x\",\"success\": true}";

        var results = ImportResultParser.Parse(Encoding.UTF8.GetBytes(body), 3);

        Assert.Equal(ImportLineResult.Stored, results[0]);
        Assert.Equal(new ImportLineResult(false, 400, "Field `a` must be a string.", "7"), results[1]);
        Assert.Equal(new ImportLineResult(true, 200, null, "x"), results[2]);
        Assert.Equal([results[0], results[1], results[2]], results);
        Assert.Throws<ArgumentOutOfRangeException>(() => results[3]);
    }

    [Fact]
    public void Parse_TrailingNewline_IsTolerated() =>
        Assert.Equal(2, ImportResultParser.Parse("{\"success\":true}\n{\"success\":true}\n"u8, 2).Count);

    [Theory]
    [InlineData("{\"success\":true}", 2)]
    [InlineData("{\"success\":true}\n{\"success\":true}", 1)]
    [InlineData("{\"success\":true}\nnot json", 2)]
    [InlineData("{\"code\":400}", 1)]
    public void Parse_WrongShape_Throws(string body, int expected) =>
        Assert.Throws<FormatException>(() => ImportResultParser.Parse(Encoding.UTF8.GetBytes(body), expected));
}

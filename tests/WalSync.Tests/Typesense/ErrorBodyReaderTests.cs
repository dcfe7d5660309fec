using System.Text;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class ErrorBodyReaderTests
{
    [Theory]
    [InlineData("{\"message\":\"Collection not found\"}", "Collection not found")]
    [InlineData("{ \"message\": \"Not Ready or Lagging\"}", "Not Ready or Lagging")]
    [InlineData("{\"message\": \"Bad JSON: last read: '\"a'\"}", "Bad JSON: last read: '\"a'")]
    [InlineData("request entity is too large", "request entity is too large")]
    [InlineData("{\"ok\":false}", "{\"ok\":false}")]
    [InlineData("  ", null)]
    public void Extract_Body_ReturnsTypesenseMessage(string body, string? expected) =>
        Assert.Equal(expected, ErrorBodyReader.Extract(Encoding.UTF8.GetBytes(body)));
}

using Microsoft.Extensions.Configuration;
using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class TypesenseOptionsTests
{
    [Fact]
    public void Bind_TypesenseSection_ReadsNodesAndDurations()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Typesense:Nodes:0"] = "http://10.0.0.1:8108",
            ["Typesense:Nodes:1"] = "https://ts.example:443/prefix",
            ["Typesense:ApiKey"] = "k",
            ["Typesense:ImportTimeout"] = "00:30:00",
            ["Typesense:MaxRetries"] = "5",
        }).Build();
        var options = new TypesenseOptions();

        configuration.GetSection(TypesenseOptions.SectionName).Bind(options);
        options.Validate();

        Assert.Equal(["http://10.0.0.1:8108", "https://ts.example:443/prefix"], options.Nodes);
        Assert.Equal(TimeSpan.FromMinutes(30), options.ImportTimeout);
        Assert.Equal(5, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectionTimeout);
    }

    [Theory]
    [InlineData(null, "secret", "Typesense:Nodes")]
    [InlineData("ftp://x", "secret", "Typesense:Nodes")]
    [InlineData("http://x?x-typesense-api-key=secret", "secret", "Typesense:Nodes")]
    [InlineData("http://user:secret@x:8108", "secret", "Typesense:Nodes")]
    [InlineData("not a url secret", "secret", "Typesense:Nodes")]
    [InlineData("http://x:8108", "", "Typesense:ApiKey")]
    public void Validate_BadSetting_NamesTheKeyNotTheSecret(string? node, string apiKey, string key)
    {
        var options = new TypesenseOptions { ApiKey = apiKey };
        if (node is not null)
        {
            options.Nodes.Add(node);
        }

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }
}

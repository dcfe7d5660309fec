using WalSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WalSync.Tests.Configuration;

/// <summary>
/// A wrong configuration file makes the real <c>walsync run</c> exit with code 2 and one message naming the key,
/// without a stack trace and without the password or the API key it holds.
/// </summary>
public sealed class ConfigurationFileTests
{
    private readonly ITestOutputHelper _output;

    public ConfigurationFileTests(ITestOutputHelper output) => _output = output;

    private const string Password = "pw-S3cret-4711";
    private const string ApiKey = "key-S3cret-0815";
    private const string Postgres = $$"""
        "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=1;Username=walsync;Password={{Password}};Database=app" }
        """;
    private const string Typesense = $$"""
        "Typesense": { "Nodes": ["http://127.0.0.1:1"], "ApiKey": "{{ApiKey}}" }
        """;
    private const string Tables = """
        "Tables": [{ "Table": "public.items" }]
        """;

    /// <summary>Case name, file content (null: no file), what the message must say.</summary>
    public static TheoryData<string, string?, string> Cases => new()
    {
        { "missing key", $$"""{ {{Typesense}}, {{Tables}} }""", "Postgres:ConnectionString is missing" },
        { "missing API key", $$"""{ {{Postgres}}, "Typesense": { "Nodes": ["http://127.0.0.1:1"] }, {{Tables}} }""", "Typesense:ApiKey is missing" },
        { "no tables", $$"""{ {{Postgres}}, {{Typesense}} }""", "Tables is empty" },
        { "wrong type", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Batch": { "MaxRows": "{{Password}}" } }""", "Batch:MaxRows is not a whole number" },
        { "duration in another form", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Batch": { "FlushInterval": "2s" } }""",
            "Batch:FlushInterval is not a duration; write hours:minutes:seconds, e.g. \"00:00:02\" for 2 seconds" },
        { "JSON error on line 4", "{\n  \"Postgres\": {\n    \"Slot\": \"a\"\n    \"Publication\": \"b\" }\n}", "(line 4, column 5)" },
        { "wrong type of a list", $$"""{ {{Postgres}}, "Typesense": { "Nodes": "http://u:{{Password}}@127.0.0.1:1", "ApiKey": "{{ApiKey}}" }, {{Tables}} }""", "Typesense:Nodes is a single value; write it as a list" },
        { "out of range", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Batch": { "MaxRows": 0 } }""", "Batch:MaxRows is 0" },
        { "unknown key", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Batch": { "MaxRowz": 5 } }""", "Batch:MaxRowz is not a WalSync setting" },
        { "negative scan time", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Backfill": { "ScanSeconds": -1 } }""",
            "Backfill:ScanSeconds is -1; set a number of seconds from 0 (chunks of pages from the start) to 86400 (default 30)" },
        { "unknown key in a table entry", $$"""{ {{Postgres}}, {{Typesense}}, "Tables": [{ "Table": "public.items", "Colums": ["a"] }] }""", "Tables:0:Colums is not a WalSync setting" },
        { "unknown section", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Typsense": { "ApiKey": "x" } }""", "Typsense is not a WalSync setting" },
        { "scalar where a section belongs", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Batch": 5 }""", "Batch is a single value; it is a section" },
        { "not JSON", $$"""{ {{Postgres}}, {{Typesense}} """, "is not valid JSON" },
        { "bad connection string", $$"""{ "Postgres": { "ConnectionString": "Hots=db;Password={{Password}}" }, {{Typesense}}, {{Tables}} }""", "Postgres:ConnectionString is not a valid connection string" },
        { "bad node URL", $$"""{ {{Postgres}}, "Typesense": { "Nodes": ["127.0.0.1:8108"], "ApiKey": "{{ApiKey}}" }, {{Tables}} }""", "Typesense:Nodes:0" },
        { "both dead-letter stores", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "DeadLetter": { "Table": "ops.dead", "Directory": "/tmp" } }""", "DeadLetter:Table and DeadLetter:Directory are both set" },
        { "bad listen address", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Http": { "Urls": "127.0.0.1:9464" } }""", "Http:Urls '127.0.0.1:9464' is not an address to listen on" },
        { "short HTTP key", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Http": { "ApiKey": "k3y" } }""", "Http:ApiKey is shorter than 16 characters" },
        { "unknown HTTP key", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Http": { "Port": 9464 } }""", "Http:Port is not a WalSync setting" },
        { "bad OTLP protocol", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Telemetry": { "OtlpProtocol": "http" } }""", "Telemetry:OtlpProtocol 'http' is not a protocol" },
        { "bad OTLP endpoint", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Telemetry": { "OtlpEndpoint": "jaeger:4317" } }""", "Telemetry:OtlpEndpoint 'jaeger:4317' is not an http" },
        { "OTLP headers not key=value", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Telemetry": { "OtlpHeaders": "{{ApiKey}}" } }""", "Telemetry:OtlpHeaders must be key=value pairs" },
        { "bad log level", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Logging": { "LogLevel": { "Default": "Verbose" } } }""", "Logging:LogLevel:Default is not one of Trace, Debug, Information, Warning, Error, Critical, None" },
        { "bad console format", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Logging": { "Console": { "FormatterName": "xml" } } }""", "Logging:Console:FormatterName 'xml' is not a console format" },
        { "unknown console key", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Logging": { "Console": { "Formatter": "json" } } }""", "Logging:Console:Formatter is not a WalSync setting" },
        { "summary too often", $$"""{ {{Postgres}}, {{Typesense}}, {{Tables}}, "Logging": { "SummaryInterval": "00:00:00.1" } }""", "Logging:SummaryInterval is" },
        { "catalog check interval zero", $$"""{ "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=1;Password={{Password}}", "CatalogCheckInterval": "00:00:00" }, {{Typesense}}, {{Tables}} }""",
            "Postgres:CatalogCheckInterval is 0 s; set a duration above zero and at most one day" },
        { "decoding memory in lower case", $$"""{ "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=1;Password={{Password}}", "LogicalDecodingWorkMem": "256mb" }, {{Typesense}}, {{Tables}} }""",
            "Postgres:LogicalDecodingWorkMem is \"256mb\"; set an amount of memory from 64kB up" },
        { "no file", null, "does not exist" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_BadConfigurationFile_ExitsTwoWithOneMessageNamingTheKey(string name, string? content, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"walsync-config-{Guid.NewGuid():N}.json");
        if (content is not null)
        {
            await File.WriteAllTextAsync(path, content);
        }
        try
        {
            // A configuration that passed by mistake must not take the default port other tests' processes may hold.
            await using var process = WalSyncProcess.Start(["run", "--config", path],
                content?.Contains("\"Http\"", StringComparison.Ordinal) == true ? null : new Dictionary<string, string> { ["WALSYNC_Http__Urls"] = "http://127.0.0.1:0" });

            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

            var output = process.Output;
            _output.WriteLine($"{name}: exit {code}: {output}");
            Assert.True(code == 2, $"{name}: exit code {code}: {output}");
            Assert.Contains(expected, output, StringComparison.Ordinal);
            Assert.StartsWith("walsync: ", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

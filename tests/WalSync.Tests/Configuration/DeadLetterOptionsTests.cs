using WalSync.Configuration;

namespace WalSync.Tests.Configuration;

public sealed class DeadLetterOptionsTests
{
    [Fact]
    public void TableName_NothingSet_DefaultTable()
    {
        var options = new DeadLetterOptions();

        Assert.False(options.UsesDirectory);
        Assert.Equal("walsync.dead_letters", options.TableName);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_TableAndDirectoryBothSet_NamesBothKeys()
    {
        var options = new DeadLetterOptions { Table = "ops.dead", Directory = Path.GetTempPath() };

        var error = Assert.Single(options.Validate());

        Assert.Contains("DeadLetter:Table and DeadLetter:Directory", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b.c")]
    [InlineData("ops.")]
    public void Validate_TableNotSchemaDotTable_NamesTheKey(string table)
    {
        var error = Assert.Single(new DeadLetterOptions { Table = table }.Validate());

        Assert.StartsWith($"DeadLetter:Table '{table}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DirectoryMissing_CreatesItAndUsesIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"walsync-dlopt-{Guid.NewGuid():N}", "letters");
        var options = new DeadLetterOptions { Directory = directory };
        try
        {
            Assert.Empty(options.Validate());
            Assert.True(options.UsesDirectory);
            Assert.True(Directory.Exists(directory));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }

    [Fact]
    public void Validate_DirectoryIsAFile_NotWritableNamingTheKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            var error = Assert.Single(new DeadLetterOptions { Directory = Path.Combine(file, "sub") }.Validate());

            Assert.StartsWith("DeadLetter:Directory", error, StringComparison.Ordinal);
            Assert.Contains("not a writable directory", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_DirectoryAndTableInFile_ConfigurationExceptionListsTheProblem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"walsync-dlopt-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""
            {
              "Postgres": { "ConnectionString": "Host=127.0.0.1;Username=u;Database=d" },
              "Typesense": { "Nodes": ["http://127.0.0.1:8108"], "ApiKey": "k" },
              "Tables": [{ "Table": "public.items" }],
              "DeadLetter": { "Table": "ops.dead", "Directory": {{System.Text.Json.JsonSerializer.Serialize(Path.GetTempPath())}} }
            }
            """);
        try
        {
            var error = Assert.Throws<ConfigurationException>(() => WalSyncConfiguration.Load(path));

            Assert.Contains("DeadLetter:Table and DeadLetter:Directory are both set", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

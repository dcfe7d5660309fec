using WalSync.Mapping;

namespace WalSync.Tests.Mapping;

public class TypeMappingTableTests
{
    private const string Start = "<!-- type-mapping:start -->\n";
    private const string End = "<!-- type-mapping:end -->";

    // Run with WALSYNC_UPDATE_README=1 to write the generated table into README.md instead of checking it.
    [Fact]
    public void ToMarkdown_ReadmeSection_EqualsGeneratedTable()
    {
        var path = Path.Combine(RepositoryRoot(), "README.md");
        var readme = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md needs a section between {Start.Trim()} and {End}.");

        if (Environment.GetEnvironmentVariable("WALSYNC_UPDATE_README") == "1")
        {
            File.WriteAllText(path, readme[..(start + Start.Length)] + TypeMappingTable.ToMarkdown() + readme[end..]);
            return;
        }

        Assert.Equal(TypeMappingTable.ToMarkdown(), readme[(start + Start.Length)..end]);
    }

    [Fact]
    public void ToMarkdown_ComputedColumn_NamesEveryTypesenseType()
    {
        var table = TypeMappingTable.ToMarkdown();

        Assert.Contains("| smallint, integer | int32 | number |", table, StringComparison.Ordinal);
        Assert.Contains("| bigint | int64 | number |", table, StringComparison.Ordinal);
        Assert.Contains("| int32[], int64[], float[], bool[], string[] |", table, StringComparison.Ordinal);
        Assert.Contains("| object[] |", table, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WalSync.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("WalSync.sln not found above " + AppContext.BaseDirectory);
    }
}

using System.CommandLine;
using System.Text.RegularExpressions;
using WalSync.Cli;

namespace WalSync.Tests.Cli;

/// <summary>Every command line the documentation shows parses: the examples each <c>--help</c> prints and the <c>walsync</c>
/// lines of the README; a command line that does not parse exits 2 with a clear line and no stack trace.</summary>
public sealed partial class CommandLineTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var command in All(WalSyncCommandLine.Create()))
        {
            data.Add(WalSyncCommandLine.CommandPath(command));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_EveryExampleItPrints_Parses(string path)
    {
        var output = new StringWriter();
        var code = await WalSyncCommandLine.InvokeAsync([.. path.Split(' ').Skip(1), "--help"], new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(0, code);
        var help = output.ToString();
        var examples = help.Split('\n').SkipWhile(l => l.TrimEnd() != "Examples:").Skip(1).TakeWhile(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList();
        if (path.Split(' ').Length < 3)
        {
            Assert.True(examples.Count > 0, $"'{path} --help' shows no example:\n{help}");
        }
        Assert.All(examples, example => AssertParses(example));
    }

    [Fact]
    public void Readme_EveryWalsyncCommandLine_Parses()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var lines = CodeBlocks().Matches(readme).SelectMany(m => m.Groups[1].Value.Split('\n')).Select(l => l.Trim())
            .Select(l => l.Contains(" -- ", StringComparison.Ordinal) && l.Contains("src/WalSync.Cli", StringComparison.Ordinal) ? "walsync " + l[(l.IndexOf(" -- ", StringComparison.Ordinal) + 4)..] : l)
            .Select(l => EnvironmentPrefix().Replace(l, ""))
            .Select(l => l.Contains(" #", StringComparison.Ordinal) ? l[..l.IndexOf(" #", StringComparison.Ordinal)].TrimEnd() : l)
            .Where(l => l.StartsWith("walsync ", StringComparison.Ordinal))
            .ToList();

        Assert.True(lines.Count >= 5, $"only {lines.Count} walsync command lines found in README.md");
        // Optional parts are written [--table public.products]; each one must parse too.
        Assert.All(lines, line => AssertParses(line.Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("run --confg walsync.json", "--confg")]
    [InlineData("demo --typesense-url 127.0.0.1:8108", "is not an http:// or https:// URL")]
    [InlineData("demo --rows many", "many")]
    [InlineData("dead-letters lst", "lst")]
    [InlineData("chek --config walsync.json", "chek")]
    public async Task Invoke_CommandLineThatDoesNotParse_ExitsTwoNamingTheMistake(string commandLine, string named)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await WalSyncCommandLine.InvokeAsync(commandLine.Split(' '), new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--help", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString() + output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DemoWithTypesenseUrl_GivesTheUri()
    {
        var root = WalSyncCommandLine.Create();
        var parse = root.Parse(["demo", "--typesense-url", "http://127.0.0.1:8108", "--typesense-api-key", "KEY"]);

        Assert.Empty(parse.Errors);
        var demo = root.Subcommands.Single(c => c.Name == "demo");
        var url = (Option<Uri?>)demo.Options.Single(o => o.Name == "--typesense-url");
        Assert.Equal(new Uri("http://127.0.0.1:8108"), parse.GetValue(url));
    }

    private static void AssertParses(string commandLine)
    {
        var words = EnvironmentPrefix().Replace(commandLine, "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("walsync", words[0]);
        var parse = WalSyncCommandLine.Create().Parse(words[1..]);
        Assert.True(parse.Errors.Count == 0, $"'{commandLine}' does not parse: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
    }

    private static IEnumerable<Command> All(Command command) => command.Subcommands.SelectMany(All).Prepend(command);

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WalSync.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("WalSync.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```(?:bash|sh)?\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlocks();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*=\S+\s+)+")]
    private static partial Regex EnvironmentPrefix();
}

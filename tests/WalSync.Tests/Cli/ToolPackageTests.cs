using System.Diagnostics;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace WalSync.Tests.Cli;

/// <summary>
/// The install story of the README: <c>dotnet pack</c> makes the tool package <c>walsync</c> with its precompiled
/// package for linux-x64 and its JIT-compiled one for every other platform, <c>dotnet tool install</c> puts the one for
/// this machine on a tool path, and the installed <c>walsync</c> shows its help and runs the demo, with the built-in
/// stand-in and with a Typesense given by URL and key (here the standalone emulator, started as its own process).
/// </summary>
public sealed partial class ToolPackageTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("walsync-tool-").FullName;
    private string _walsync = null!;

    public async Task InitializeAsync()
    {
        var root = CommandLineTests.RepositoryRoot();
        // Packed in the configuration of this test assembly. The packages for a runtime need builds of their own (in
        // bin/CONFIGURATION/net10.0/RID), which pack makes; the build the other tests run from is up to date and stays as it is.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var packages = Path.Combine(_work, "packages");
        var pack = await RunAsync("dotnet", ["pack", Path.Combine(root, "src", "WalSync.Cli"), "-c", configuration, "-o", packages], root);
        Assert.True(pack.Code == 0, pack.Output);
        Assert.Equal(["walsync.0.1.0.nupkg", "walsync.any.0.1.0.nupkg", "walsync.linux-x64.0.1.0.nupkg"],
            Directory.GetFiles(packages, "walsync.*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var tools = Path.Combine(_work, "tools");
        var install = await RunAsync("dotnet", ["tool", "install", "walsync", "--tool-path", tools, "--add-source", packages], _work);
        Assert.True(install.Code == 0, install.Output);
        _walsync = Path.Combine(tools, "walsync");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task InstalledTool_Help_ListsTheCommands()
    {
        var help = await RunAsync(_walsync, ["--help"], _work);

        Assert.True(help.Code == 0, help.Output);
        Assert.All(["run", "check", "demo", "dead-letters", "Examples:"], word => Assert.Contains(word, help.Output, StringComparison.Ordinal));
    }

    [Fact]
    public void InstalledTool_OnLinuxX64_IsPrecompiled()
    {
        var linuxX64 = OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;
        var assembly = Assert.Single(Directory.GetFiles(Path.Combine(_work, "tools", ".store"), "walsync.dll", SearchOption.AllDirectories));

        Assert.Contains(linuxX64 ? "walsync.linux-x64" : "walsync.any", assembly, StringComparison.Ordinal);
        foreach (var name in new[] { "walsync.dll", "WalSync.Core.dll" })
        {
            Assert.True(IsReadyToRun(Path.Combine(Path.GetDirectoryName(assembly)!, name)) == linuxX64, $"{name}: ReadyToRun code expected on linux-x64 only");
        }
    }

    [Fact]
    public async Task InstalledTool_Demo_CollectionEqualsTheTable()
    {
        var demo = await RunAsync(_walsync, ["demo", "--rows", "300"], _work);

        Assert.True(demo.Code == 0, demo.Output);
        Assert.Contains("The collection equals the table", demo.Output, StringComparison.Ordinal);
        // Piped output: plain text, no escape sequences, and long lines not wrapped at 80 columns.
        Assert.DoesNotContain("\u001b[", demo.Output, StringComparison.Ordinal);
        Assert.Contains(demo.Output.Split('\n'), line => line.Contains("built-in stand-in", StringComparison.Ordinal) && line.Contains("use a real Typesense", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InstalledTool_DemoWithTypesenseUrl_UsesThatServer()
    {
        var emulator = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "walsync-typesense-emulator.dll"), "--port", "0", "--api-key", "demo-key-1" })
        {
            emulator.ArgumentList.Add(argument);
        }
        using var server = Process.Start(emulator)!;
        try
        {
            string? url = null;
            while (url is null && await server.StandardOutput.ReadLineAsync() is { } line)
            {
                url = Url().Match(line) is { Success: true } match ? match.Value : null;
            }
            Assert.NotNull(url);

            var demo = await RunAsync(_walsync, ["demo", "--rows", "200", "--typesense-url", url, "--typesense-api-key", "demo-key-1"], _work);

            Assert.True(demo.Code == 0, demo.Output);
            Assert.Contains($"Typesense: the server at {url}", demo.Output, StringComparison.Ordinal);
            Assert.Contains("The collection equals the table", demo.Output, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>Whether the assembly carries precompiled code: its CLI header points to a ReadyToRun header ("RTR").</summary>
    private static bool IsReadyToRun(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var header = pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory;
        return header.Size > 0 && pe.GetSectionData(header.RelativeVirtualAddress).GetReader().ReadUInt32() == 0x00525452;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments, string directory)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex Url();
}

using System.Text.RegularExpressions;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Arguments of the standalone executable.</summary>
public sealed class EmulatorCommandLineTests
{
    [Fact]
    public async Task InvokeAsync_AllOptions_ServesWithThem()
    {
        var run = await InvokeAsync("--port", "9000", "--api-key", "k", "--host", "0.0.0.0");

        Assert.Equal(EmulatorCommandLine.Success, run.ExitCode);
        Assert.Equal(9000, run.Options!.Port);
        Assert.Equal("k", run.Options.ApiKey);
        Assert.Equal("0.0.0.0", run.Options.Host);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task InvokeAsync_NoArguments_DefaultsToPort8108()
    {
        var run = await InvokeAsync();

        Assert.Equal(8108, run.Options!.Port);
        Assert.Equal("walsync-dev", run.Options.ApiKey);
        Assert.Equal("127.0.0.1", run.Options.Host);
    }

    [Fact]
    public async Task InvokeAsync_PortZero_Accepted()
    {
        var run = await InvokeAsync("--port", "0", "--host", "localhost");

        Assert.Equal(0, run.Options!.Port);
        Assert.Equal("localhost", run.Options.Host);
    }

    [Fact]
    public async Task InvokeAsync_ServeExitCode_IsTheProcessExitCode()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await EmulatorCommandLine.InvokeAsync([], (_, _) => Task.FromResult(EmulatorCommandLine.Failure), output, error);

        Assert.Equal(EmulatorCommandLine.Failure, exitCode);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task InvokeAsync_Help_ExplainsEachOptionAndDoesNotServe(string help)
    {
        var run = await InvokeAsync(help);

        Assert.Equal(EmulatorCommandLine.Success, run.ExitCode);
        Assert.Null(run.Options);
        Assert.Contains("--port <port>", run.Output, StringComparison.Ordinal);
        Assert.Contains("0 picks a free one", run.Output, StringComparison.Ordinal);
        Assert.Contains("[default: 8108]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--api-key <key>", run.Output, StringComparison.Ordinal);
        Assert.Contains("[default: walsync-dev]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--host <address>", run.Output, StringComparison.Ordinal);
        Assert.Contains("every interface", run.Output, StringComparison.Ordinal);
        Assert.Contains("/_emulator/faults", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Theory]
    [InlineData("--port must be a number from 0 to 65535, got 'x'.", "--port", "x")]
    [InlineData("--port must be a number from 0 to 65535, got '65536'.", "--port", "65536")]
    [InlineData("--port must be a number from 0 to 65535, got '-1'.", "--port", "-1")]
    [InlineData("--port", "--port")]
    [InlineData("--api-key must not be empty.", "--api-key", "")]
    [InlineData("--host must be an IP address, localhost or *, got 'example'.", "--host", "example")]
    [InlineData("'--verbose'", "--verbose")]
    public async Task InvokeAsync_BadArguments_ExitsTwoWithMessageAndDoesNotServe(string expected, params string[] args)
    {
        var run = await InvokeAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Null(run.Options);
        Assert.StartsWith("walsync-typesense-emulator: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Contains("--help", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", run.Error, StringComparison.Ordinal);
    }

    /// <summary>Runs the command line with a server stand-in that records the options it was given.</summary>
    private static async Task<Run> InvokeAsync(params string[] args)
    {
        EmulatorOptions? served = null;
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await EmulatorCommandLine.InvokeAsync(args, (options, _) =>
        {
            served = options;
            return Task.FromResult(EmulatorCommandLine.Success);
        }, output, error);

        // Help wraps at the console's width: compare with runs of white space made one space.
        return new Run(exitCode, served, Regex.Replace(output.ToString(), @"\s+", " "), error.ToString());
    }

    private sealed record Run(int ExitCode, EmulatorOptions? Options, string Output, string Error);
}

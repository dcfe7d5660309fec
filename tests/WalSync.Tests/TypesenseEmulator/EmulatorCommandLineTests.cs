using WalSync.TypesenseEmulator;

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>Arguments of the standalone executable.</summary>
public sealed class EmulatorCommandLineTests
{
    [Fact]
    public void TryParse_AllOptions_FillsOptions()
    {
        var ok = EmulatorCommandLine.TryParse(["--port", "9000", "--api-key", "k", "--host", "0.0.0.0"], out var options, out _);

        Assert.True(ok);
        Assert.Equal(9000, options!.Port);
        Assert.Equal("k", options.ApiKey);
        Assert.Equal("0.0.0.0", options.Host);
    }

    [Fact]
    public void TryParse_NoArguments_DefaultsToPort8108()
    {
        Assert.True(EmulatorCommandLine.TryParse([], out var options, out _));
        Assert.Equal(8108, options!.Port);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--port", "x")]
    [InlineData("--verbose")]
    public void TryParse_HelpOrBadArguments_ReturnsFalseWithMessage(params string[] args)
    {
        Assert.False(EmulatorCommandLine.TryParse(args, out _, out var message));
        Assert.NotEmpty(message);
    }
}

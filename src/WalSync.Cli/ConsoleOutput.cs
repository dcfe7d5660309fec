using Spectre.Console;

namespace WalSync.Cli;

/// <summary>The console for WalSync's human-readable output: colours and bold only on a terminal without <c>NO_COLOR</c>
/// (https://no-color.org), and no wrapping when the output goes to a file or a pipe.</summary>
public static class ConsoleOutput
{
    /// <summary>True when styles may be written: standard output is a terminal and <c>NO_COLOR</c> is unset or empty.</summary>
    public static bool Styled => !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>A console on <paramref name="output"/> (standard output when null) that follows <see cref="Styled"/>.</summary>
    public static IAnsiConsole Create(TextWriter? output = null)
    {
        var styled = output is null && Styled;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = styled ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = styled ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output ?? Console.Out),
        });
        if (output is not null || Console.IsOutputRedirected)
        {
            // A file or a pipe has no width: lines stay whole.
            console.Profile.Width = 100_000;
        }
        return console;
    }
}

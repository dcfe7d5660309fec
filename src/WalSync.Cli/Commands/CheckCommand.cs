using System.CommandLine;
using Spectre.Console;
using WalSync.Checks;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync check</c>: every start-up check of <c>walsync run</c> at once, each problem with its fix.</summary>
public static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = CommandOptions.Config();
        var command = new Command("check", "Check everything walsync run needs, without changing anything, and list every problem with " +
            "its fix: the connection, wal_level, the REPLICATION attribute, SELECT and a key on each table, the publication (or the " +
            "right to create it), whether values will stream in binary or text (and why text), the dead-letter table (or its CREATE " +
            "statements), the slot, each Typesense node, the API key and each collection's fields. Exit codes: 0 every check passed, 2 something must be fixed.")
        {
            config,
        };
        Examples.Add(command, "walsync check --config walsync.json", "walsync check -c /etc/walsync/walsync.json");
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await CommandOptions.LoadAsync(parse, config) is not { } options)
            {
                return ExitCodes.Configuration;
            }
            var results = await new StartupChecks(options).RunAsync(cancellationToken);
            Print(ConsoleOutput.Create(), results);
            return results.All(r => r.Status is CheckStatus.Passed or CheckStatus.Warning) ? ExitCodes.Success : ExitCodes.Configuration;
        });
        return command;
    }

    /// <summary>One line per check, then a summary line.</summary>
    public static void Print(IAnsiConsole console, IReadOnlyList<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            var (word, style) = result.Status switch
            {
                CheckStatus.Passed => ("ok", "green"),
                CheckStatus.Warning => ("warning", "yellow"),
                CheckStatus.Failed => ("FAILED", "red bold"),
                CheckStatus.Unreachable => ("UNREACHABLE", "red bold"),
                _ => ("skipped", "grey"),
            };
            console.MarkupLine($"[{style}]{word}[/] {Markup.Escape(result.Name)}: {Markup.Escape(result.Message)}");
        }
        var bad = results.Count(r => r.Status is CheckStatus.Failed or CheckStatus.Unreachable);
        var skipped = results.Count(r => r.Status == CheckStatus.Skipped);
        console.WriteLine(bad == 0
            ? $"All {results.Count} checks passed: walsync run can start."
            : $"{bad} of {results.Count} checks failed{(skipped > 0 ? $" and {skipped} could not be made" : "")}: fix them and run walsync check again.");
    }
}

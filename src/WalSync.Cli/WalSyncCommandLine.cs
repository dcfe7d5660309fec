using System.CommandLine;
using System.CommandLine.Help;
using WalSync.Cli.Commands;

namespace WalSync.Cli;

/// <summary>The <c>walsync</c> command line: its commands, the examples their <c>--help</c> shows, and exit code 2 with one
/// clear line for a command line that does not parse.</summary>
public static class WalSyncCommandLine
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("walsync keeps Typesense collections equal to PostgreSQL tables by reading the write-ahead log " +
            "through a logical replication slot: every insert, update and delete becomes searchable within the flush interval, " +
            "and nothing is lost across restarts. Start with 'walsync demo', then 'walsync check --config FILE' and 'walsync run --config FILE'.")
        {
            RunCommand.Create(),
            CheckCommand.Create(),
            DemoCommand.Create(),
            DeadLettersCommand.Create(),
            StatusCommand.Create(),
            ReindexCommand.Create(),
        };
        Examples.Add(root, "walsync demo", "walsync check --config walsync.json", "walsync run --config walsync.json");
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new Examples.HelpWithExamples((HelpAction)help.Action!);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="configuration">Where output goes; the console, and no termination timeout (the host handles
    /// SIGINT/SIGTERM itself so that a stop can flush and acknowledge), when null.</param>
    /// <returns>The command's exit code, or <see cref="ExitCodes.Configuration"/> when the command line does not parse.</returns>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        configuration ??= new InvocationConfiguration { ProcessTerminationTimeout = null };
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not Examples.HelpWithExamples)
        {
            foreach (var error in parse.Errors)
            {
                await configuration.Error.WriteLineAsync($"walsync: {error.Message}");
            }
            await configuration.Error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult.Command)} --help' to see the commands and options.");
            return ExitCodes.Configuration;
        }
        return await parse.InvokeAsync(configuration);
    }

    /// <summary>The command as typed: <c>walsync dead-letters list</c>.</summary>
    public static string CommandPath(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command current; symbol = current.Parents.FirstOrDefault())
        {
            names.Insert(0, current is RootCommand ? "walsync" : current.Name);
        }
        return string.Join(' ', names);
    }
}

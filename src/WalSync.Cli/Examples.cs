using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace WalSync.Cli;

/// <summary>Example command lines of each command, shown by its <c>--help</c> under "Examples:" (and parsed by the tests,
/// so none of them can go stale).</summary>
public static class Examples
{
    private static readonly ConditionalWeakTable<Command, string[]> ByCommand = [];

    /// <summary>Gives <paramref name="command"/> its examples, each a full command line starting with <c>walsync</c>.</summary>
    public static void Add(Command command, params string[] examples) => ByCommand.AddOrUpdate(command, examples);

    /// <summary>The examples of <paramref name="command"/>, none when it has no examples.</summary>
    public static IReadOnlyList<string> Of(Command command) => ByCommand.TryGetValue(command, out var examples) ? examples : [];

    /// <summary>The standard help, then the command's examples.</summary>
    internal sealed class HelpWithExamples : SynchronousCommandLineAction
    {
        private readonly HelpAction _help;

        public HelpWithExamples(HelpAction help) => _help = help;

        /// <inheritdoc/>
        public override bool ClearsParseErrors => true;

        /// <inheritdoc/>
        public override int Invoke(ParseResult parseResult)
        {
            ArgumentNullException.ThrowIfNull(parseResult);
            var code = _help.Invoke(parseResult);
            var examples = Of(parseResult.CommandResult.Command);
            if (examples.Count > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }
                output.WriteLine();
            }
            return code;
        }
    }
}

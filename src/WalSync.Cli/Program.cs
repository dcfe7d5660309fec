using System.CommandLine;
using WalSync.Cli.Commands;

var root = new RootCommand("walsync keeps Typesense collections equal to PostgreSQL tables by reading the write-ahead log " +
    "through a logical replication slot: every insert, update and delete becomes searchable within the flush interval, " +
    "and nothing is lost across restarts.")
{
    RunCommand.Create(),
    DemoCommand.Create(),
    DeadLettersCommand.Create(),
    StatusCommand.Create(),
};
// The host handles SIGINT/SIGTERM itself so that a stop can flush and acknowledge; System.CommandLine must not kill it.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Spectre.Console;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Pipeline;
using WalSync.Sink;
using WalSync.Typesense;

namespace WalSync.Cli.Commands;

/// <summary><c>walsync dead-letters list|retry</c>: shows the documents that could not be written and writes them again.</summary>
public static class DeadLettersCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("dead-letters", "Show and retry the documents Typesense rejected or WalSync could not map. They are " +
            "kept in the DeadLetter:Table of the source database (default walsync.dead_letters) or in the JSON-lines files of " +
            "DeadLetter:Directory, each with the error, the table, the key and the LSN.")
        {
            CreateList(),
            CreateRetry(),
        };
        Examples.Add(command, "walsync dead-letters list --config walsync.json", "walsync dead-letters retry --config walsync.json");
        return command;
    }

    private static Command CreateList()
    {
        var config = CommandOptions.Config();
        var table = TableOption();
        var limit = new Option<int>("--limit", "-n") { Description = "Show at most this many, the oldest first.", DefaultValueFactory = _ => 100 };
        var all = new Option<bool>("--all") { Description = "Also show dead letters already retried." };
        var command = new Command("list", "List pending dead letters: a table on a terminal, one tab-separated line each " +
            "(id, created, table, key, LSN, operation, error, retried) otherwise. Exit codes: 0 listed, 2 configuration must be fixed.")
        {
            config, table, limit, all,
        };
        Examples.Add(command, "walsync dead-letters list --config walsync.json", "walsync dead-letters list -c walsync.json --table public.products --all",
            "walsync dead-letters list -c walsync.json --limit 10");
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config), async (options, store) =>
        {
            var letters = await store.ListAsync(new DeadLetterQuery { Table = parse.GetValue(table), Limit = parse.GetValue(limit), IncludeRetried = parse.GetValue(all) }, cancellationToken);
            Print(letters);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateRetry()
    {
        var config = CommandOptions.Config();
        var table = TableOption();
        var command = new Command("retry", "After fixing the cause (e.g. a collection field's type), read each pending dead letter's row " +
            "again from PostgreSQL by its key and write it to Typesense with the current mapping; a row that no longer exists has its " +
            "document deleted. Resolved dead letters are marked retried. Exit codes: 0 all resolved, 1 some still fail, 2 configuration must be fixed.")
        {
            config, table,
        };
        Examples.Add(command, "walsync dead-letters retry --config walsync.json", "walsync dead-letters retry -c walsync.json --table public.products");
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config), async (options, store) =>
        {
            using var client = new TypesenseClient(options.Typesense, NullLogger<TypesenseClient>.Instance);
            var result = await new DeadLetterRetrier(options, store, client).RetryAsync(new DeadLetterQuery { Table = parse.GetValue(table) }, cancellationToken);
            foreach (var failure in result.Failures)
            {
                var letter = failure.DeadLetter.Letter;
                Console.WriteLine($"still failing: {failure.DeadLetter.Id} {letter.Table} key ({string.Join(", ", letter.Key)}): {failure.Error}");
            }
            Console.WriteLine($"Retried {result.Written + result.Deleted + result.Failures.Count} dead letters: {result.Written} written, " +
                $"{result.Deleted} deleted (row gone), {result.Failures.Count} still failing.");
            return result.Failures.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }

    private static Option<string?> TableOption() => new("--table", "-t")
    {
        Description = "Only dead letters of this source table (schema.table; a bare name means public).",
    };

    /// <summary>Loads the configuration, opens the store and runs <paramref name="action"/>; maps failures to exit codes.</summary>
    private static async Task<int> RunAsync(FileInfo? config, Func<WalSyncOptions, IDeadLetterArchive, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var options = WalSyncConfiguration.Load(config?.FullName);
            await using var dataSource = NpgsqlDataSource.Create(options.Postgres.ConnectionString);
            return await action(options, DeadLetterStores.Create(options.DeadLetter, dataSource));
        }
        catch (ConfigurationException e)
        {
            return await FailAsync(e.Message, ExitCodes.Configuration);
        }
        catch (Exception e) when (ErrorClassifier.AsConfigurationError(e) is { } configuration)
        {
            return await FailAsync(configuration.Message, ExitCodes.Configuration);
        }
        catch (Exception e) when (e is NpgsqlException or TypesenseException or IOException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(e.Message, ExitCodes.Failure);
        }
    }

    private static async Task<int> FailAsync(string message, int code)
    {
        await Console.Error.WriteLineAsync($"walsync: {message}");
        return code;
    }

    private static void Print(IReadOnlyList<StoredDeadLetter> letters)
    {
        if (Console.IsOutputRedirected)
        {
            foreach (var stored in letters)
            {
                var letter = stored.Letter;
                Console.WriteLine(string.Join('\t', stored.Id, Time(stored.CreatedAt), letter.Table, string.Join(",", letter.Key), Lsn(letter.Lsn),
                    letter.Operation, OneLine(letter.Error), stored.RetriedAt is { } retried ? Time(retried) : "-"));
            }
        }
        else
        {
            // The error wraps; the short identifying columns do not.
            var table = new Table().AddColumns(new TableColumn("Id").NoWrap(), new TableColumn("Created (UTC)").NoWrap(), new TableColumn("Table"),
                new TableColumn("Key"), new TableColumn("LSN").NoWrap(), new TableColumn("Operation"), new TableColumn("Error"), new TableColumn("Retried").NoWrap());
            foreach (var stored in letters)
            {
                var letter = stored.Letter;
                table.AddRow(Markup.Escape(stored.Id), Time(stored.CreatedAt), Markup.Escape(letter.Table), Markup.Escape(string.Join(", ", letter.Key)),
                    Lsn(letter.Lsn), letter.Operation, Markup.Escape(letter.Error), stored.RetriedAt is { } retried ? Time(retried) : "");
            }
            ConsoleOutput.Create().Write(table);
        }
        Console.Error.WriteLine($"{letters.Count} dead letters.");
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Lsn(NpgsqlLogSequenceNumber lsn) => lsn == NpgsqlLogSequenceNumber.Invalid ? "snapshot" : lsn.ToString();

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Replace('\t', ' ');
}

using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Spectre.Console;
using WalSync.Configuration;
using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Cli.Demo;

/// <summary>
/// <c>walsync demo</c>: the main job on an embedded default. A throwaway PostgreSQL cluster, a <c>products</c> table,
/// WalSync streaming it into Typesense, then inserts, updates and deletes, with what reached the collection shown as
/// it goes. Succeeds when the collection equals the table.
/// </summary>
public sealed class DemoRunner
{
    private const string Collection = "products";
    private readonly IAnsiConsole _console;
    private readonly DemoOptions _options;

    /// <summary>Creates the runner.</summary>
    public DemoRunner(DemoOptions options, IAnsiConsole console)
    {
        _options = options;
        _console = console;
    }

    /// <summary>Runs the demo; returns the exit code (0 when the collection equals the table).</summary>
    /// <exception cref="PostgresClusterException">No PostgreSQL server binaries are installed.</exception>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _console.MarkupLine("[bold]WalSync demo[/]: a throwaway PostgreSQL with a products table, and WalSync keeping a Typesense collection equal to it.");
        await using var cluster = await PostgresCluster.StartAsync(cancellationToken: cancellationToken);
        _console.MarkupLine($"PostgreSQL: a throwaway server on 127.0.0.1:{cluster.Port}, removed at the end.");
        EmulatorServer? emulator = null;
        Uri typesenseUrl;
        string apiKey;
        if (_options.TypesenseUrl is { } url)
        {
            typesenseUrl = url;
            apiKey = _options.TypesenseApiKey ?? throw new ConfigurationException("--typesense-url needs --typesense-api-key (or TYPESENSE_API_KEY).");
            _console.MarkupLine($"Typesense: the server at {Markup.Escape(url.ToString())} (from --typesense-url).");
        }
        else
        {
            emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Port = 0, ApiKey = "walsync-demo" }, cancellationToken);
            typesenseUrl = emulator.Url;
            apiKey = emulator.ApiKey;
            _console.MarkupLine($"Typesense: WalSync's built-in stand-in at {typesenseUrl}, which answers like Typesense but is not a " +
                "search engine (--typesense-url and --typesense-api-key use a real Typesense).");
        }
        try
        {
            return await RunAgainstAsync(cluster.ConnectionString, typesenseUrl, apiKey, cancellationToken);
        }
        finally
        {
            if (emulator is not null)
            {
                await emulator.DisposeAsync();
            }
        }
    }

    private async Task<int> RunAgainstAsync(string connectionString, Uri typesenseUrl, string apiKey, CancellationToken cancellationToken)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(data, """
            CREATE TABLE products (
                id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                product_name text NOT NULL,
                description text,
                price numeric(10, 2) NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                user_id uuid NOT NULL);
            """, cancellationToken);
        await ExecuteAsync(data, $"INSERT INTO products (product_name, description, price, user_id) {DemoWorkload.Rows(_options.Rows)}", cancellationToken);
        _console.MarkupLine($"Created the products table with {_options.Rows} rows.");

        var options = new WalSyncOptions
        {
            Postgres = new PostgresOptions { ConnectionString = connectionString, Slot = "walsync_demo", Publication = "walsync_demo" },
            Batch = new BatchOptions { FlushInterval = TimeSpan.FromMilliseconds(500) },
            Tables = { new TableOptions { Table = "public.products", Collection = Collection } },
        };
        options.Typesense.Nodes.Add(typesenseUrl.ToString());
        options.Typesense.ApiKey = apiKey;
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(_options.Verbose ? LogLevel.Information : LogLevel.Warning));
        var service = new SyncService(options, loggers);
        var acknowledged = NpgsqlLogSequenceNumber.Invalid;
        service.Acknowledged += lsn => acknowledged = lsn;
        using var stop = new CancellationTokenSource();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = service.RunAsync(stop.Token, abort.Token);
        using var client = new TypesenseClient(options.Typesense, loggers.CreateLogger<TypesenseClient>());
        var check = new DemoCheck(data, client, Collection);
        try
        {
            // Every step must converge, not only the last: a step that did not is a failed demo even if a later one catches up.
            var steps = await Step("Backfilled the rows that were already there", check, acknowledged: () => acknowledged, running, cancellationToken);
            await ExecuteAsync(data, $"INSERT INTO products (product_name, description, price, user_id) {DemoWorkload.Rows(100, "New")}", cancellationToken);
            steps &= await Step("Inserted 100 rows", check, () => acknowledged, running, cancellationToken);
            await ExecuteAsync(data, "UPDATE products SET price = price + 1, description = 'Updated: ' || description, updated_at = now() " +
                "WHERE id IN (SELECT id FROM products ORDER BY id LIMIT 50)", cancellationToken);
            steps &= await Step("Changed the price and description of 50 rows", check, () => acknowledged, running, cancellationToken);
            await ExecuteAsync(data, "DELETE FROM products WHERE id IN (SELECT id FROM products ORDER BY id DESC LIMIT 25)", cancellationToken);
            steps &= await Step("Deleted 25 rows", check, () => acknowledged, running, cancellationToken);
            var search = await client.SearchAsync(Collection, new SearchRequest { Q = "Updated", QueryBy = "description", PerPage = 3 }, cancellationToken);
            _console.MarkupLine($"Searching the descriptions for \"Updated\" finds {search.Found} products, e.g. " +
                Markup.Escape(string.Join(", ", search.Documents.Select(d => $"{d["product_name"]} at {d["price"]}"))) + ".");
            var differences = await check.CompareAsync(cancellationToken);
            if (differences.Count == 0 && !steps)
            {
                _console.MarkupLine("[red bold]The collection equals the table now, but a step above (NOT EQUAL) did not within 60 s[/].");
                return ExitCodes.Failure;
            }
            if (differences.Count == 0)
            {
                _console.MarkupLine($"[green bold]The collection equals the table[/]: {await check.CountRowsAsync(cancellationToken)} documents, every field the same.");
                return ExitCodes.Success;
            }
            _console.MarkupLine($"[red bold]The collection differs from the table[/] in {differences.Count} documents, for example:");
            foreach (var difference in differences.Take(5))
            {
                _console.MarkupLine("  " + Markup.Escape(difference));
            }
            return ExitCodes.Failure;
        }
        finally
        {
            await stop.CancelAsync();
            abort.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await running;
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
            }
        }
    }

    /// <returns>Whether the collection equalled the table within 60 s.</returns>
    private async Task<bool> Step(string title, DemoCheck check, Func<NpgsqlLogSequenceNumber> acknowledged, Task running, CancellationToken cancellationToken)
    {
        var converged = await check.WaitForConvergenceAsync(running, TimeSpan.FromSeconds(60), cancellationToken);
        var rows = await check.CountRowsAsync(cancellationToken);
        var documents = await check.CountDocumentsAsync(cancellationToken);
        var position = acknowledged() == NpgsqlLogSequenceNumber.Invalid
            ? "nothing the stream sent is flushed yet, so nothing is acknowledged yet"
            : $"WalSync told PostgreSQL that everything up to LSN {acknowledged()} is in Typesense";
        _console.MarkupLine($"{(converged ? "[green]ok[/]" : "[red bold]NOT EQUAL[/]")} {Markup.Escape(title)}: {rows} rows in the table, " +
            $"{documents} documents in the collection; {position}.");
        return converged;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql, CancellationToken cancellationToken)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using WalSync.Cli.Http;
using WalSync.Cli.Inspection;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Cli.Commands;

/// <summary>
/// <c>walsync reindex</c>: asks the running <c>walsync run</c> (its <c>POST /reindex</c>, with <c>Http:ApiKey</c>) to rebuild
/// collections into new versions while the current ones keep serving, shows the rebuilds' progress from its <c>/status</c>,
/// and exits 0 once every alias has moved. With no daemon answering it says so and exits 1.
/// </summary>
public static class ReindexCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(10);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var config = CommandOptions.Config();
        var tables = new Option<string[]>("--table", "-t")
        {
            Description = "A table (schema.table, as in Tables) whose collection is rebuilt; repeat it for several. Default: every table.",
        };
        var url = CommandOptions.DaemonUrl();
        var command = new Command("reindex", "Rebuild collections without downtime: the running walsync run fills a new version of each " +
            "collection from its table while the stream keeps both versions current, moves the alias to it once it is filled, and drops " +
            "old versions beyond Reindex:KeepVersions. Shows the progress and exits 0 once every alias has moved; Ctrl+C stops " +
            "watching, not the rebuild. Exit codes: 0 rebuilt, 1 no daemon answers or it stopped, 2 configuration or key must be fixed.")
        {
            config, tables, url,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await CommandOptions.LoadAsync(parse, config) is not { } options)
            {
                return ExitCodes.Configuration;
            }
            var daemon = parse.GetValue(url) ?? StatusInspector.DefaultDaemonUrl(options.Http);
            if (daemon is null)
            {
                await Console.Error.WriteLineAsync(options.Http.Enabled
                    ? "walsync: Http:Urls picks its port at start; pass the daemon's address with --url."
                    : "walsync: Http:Enabled is false, so walsync run takes no requests; rebuild at start instead: walsync run --config FILE --reindex TABLE.");
                return ExitCodes.Configuration;
            }
            return await RunAsync(options, daemon, parse.GetValue(tables) ?? [], cancellationToken);
        });
        Examples.Add(command, "walsync reindex --config walsync.json", "walsync reindex -c walsync.json --table public.products",
            "walsync reindex -c walsync.json --url http://10.0.0.5:9464 -t public.products -t public.orders");
        return command;
    }

    private static async Task<int> RunAsync(WalSyncOptions options, Uri daemon, string[] tables, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = daemon, Timeout = TimeSpan.FromSeconds(10) };
        if (!string.IsNullOrEmpty(options.Http.ApiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Http.ApiKey);
        }
        var query = string.Join("&", tables.Select(t => "table=" + Uri.EscapeDataString(t)));
        HttpResponseMessage answer;
        try
        {
            answer = await http.PostAsync(new Uri("reindex" + (query.Length > 0 ? "?" + query : ""), UriKind.Relative), null, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"walsync: no walsync run answers at {daemon} ({e.Message}). Start it (walsync run --config FILE) " +
                "or give its address with --url; to rebuild at start instead: walsync run --config FILE --reindex TABLE.");
            return ExitCodes.Failure;
        }
        using (answer)
        {
            var body = await answer.Content.ReadAsStringAsync(cancellationToken);
            if (answer.StatusCode != HttpStatusCode.Accepted)
            {
                await Console.Error.WriteLineAsync($"walsync: {daemon}reindex answered {(int)answer.StatusCode}: {ErrorOf(body)}");
                return answer.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    ? ExitCodes.Configuration
                    : ExitCodes.Failure;
            }
            using var accepted = JsonDocument.Parse(body);
            var requested = accepted.RootElement.GetProperty("requested").EnumerateArray().Select(t => t.GetString()!).ToList();
            var requestedAt = accepted.RootElement.GetProperty("requested_at").GetDateTimeOffset();
            Console.WriteLine($"Rebuilding {string.Join(", ", requested)}; the current versions keep serving until each alias moves.");
            return await WatchAsync(http, daemon, requested, requestedAt, cancellationToken);
        }
    }

    /// <summary>Polls <c>/status</c> until the rebuild of every table in <paramref name="requested"/> started after
    /// <paramref name="requestedAt"/> has finished.</summary>
    private static async Task<int> WatchAsync(HttpClient http, Uri daemon, List<string> requested, DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        var terminal = !Console.IsOutputRedirected;
        var lastLine = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(Poll);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            SyncStatus? status;
            try
            {
                status = StatusJson.Parse(await http.GetStringAsync(new Uri("status", UriKind.Relative), cancellationToken));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"walsync: walsync run at {daemon} stopped answering while rebuilding; the rebuilds resume " +
                    "when it starts again (their progress is kept in PostgreSQL, table walsync.backfills).");
                return ExitCodes.Failure;
            }
            var mine = status!.Backfills.Where(b => requested.Contains(b.Table, StringComparer.Ordinal) && b.StartedAt >= requestedAt).ToList();
            var line = Progress(requested, mine);
            if (mine.Count == requested.Count && mine.All(b => b.FinishedAt is not null))
            {
                if (terminal)
                {
                    Console.Write("\r\u001b[K");
                }
                foreach (var backfill in mine)
                {
                    Console.WriteLine($"{backfill.Table}: rebuilt into {backfill.Collection} ({backfill.RowsDone.ToString("N0", CultureInfo.InvariantCulture)} rows); its alias points at it now.");
                }
                return ExitCodes.Success;
            }
            if (terminal)
            {
                Console.Write("\r" + line + "\u001b[K");
            }
            else if (status.At - lastLine >= LineInterval)
            {
                lastLine = status.At;
                Console.WriteLine(line);
            }
        }
        return ExitCodes.Failure;
    }

    private static string Progress(List<string> requested, List<BackfillProgress> mine) => string.Join("; ", requested.Select(table =>
        mine.Find(b => b.Table == table) is { } b
            ? $"{table} {b.RowsDone.ToString("N0", CultureInfo.InvariantCulture)} of {(b.RowsEstimate is { } total ? total.ToString("N0", CultureInfo.InvariantCulture) : "?")} rows" +
                (b.FinishedAt is null ? "" : " (done)")
            : $"{table} waiting"));

    private static string ErrorOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

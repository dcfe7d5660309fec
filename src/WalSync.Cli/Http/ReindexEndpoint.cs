using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WalSync.Configuration;

namespace WalSync.Cli.Http;

/// <summary>
/// <c>POST /reindex?table=schema.table</c> (repeatable; none means every configured table): asks the running service to
/// rebuild those tables' collections into new versions behind their aliases while the current versions keep serving.
/// Answers 202 at once with the tables and the daemon's time of the request (<c>requested_at</c>); the rebuilds show in
/// <c>/status</c> under <c>backfills</c>, each done when its <c>finished_at</c> is set (the alias has moved by then).
/// 400 names an unknown table. It changes state, so <see cref="ApiKeyFilter"/> guards it.
/// </summary>
public static class ReindexEndpoint
{
    /// <summary>Maps the endpoint onto <paramref name="endpoints"/>.</summary>
    /// <param name="endpoints">The application's routes.</param>
    /// <param name="options">The configuration: its tables and its HTTP listener (for the key).</param>
    /// <param name="rebuild">Requests the rebuild of one table (schema.table); returns at once.</param>
    /// <param name="time">The clock of <c>requested_at</c>, the one <c>/status</c> uses.</param>
    public static void Map(IEndpointRouteBuilder endpoints, WalSyncOptions options, Action<string> rebuild, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Tables.Select(t => $"{t.SchemaName}.{t.TableName}").ToList();
        endpoints.MapPost("/reindex", (HttpRequest request) =>
        {
            var asked = request.Query["table"].Where(t => !string.IsNullOrWhiteSpace(t))
                .Select(t => t!.Contains('.', StringComparison.Ordinal) ? t : "public." + t).Distinct(StringComparer.Ordinal).ToList();
            if (asked.FirstOrDefault(t => !configured.Contains(t, StringComparer.Ordinal)) is { } unknown)
            {
                return Results.Json(new ErrorBody($"{unknown} is not in Tables of the configuration; name one of {string.Join(", ", configured)}."),
                    StatusJson.Info<ErrorBody>(), statusCode: StatusCodes.Status400BadRequest);
            }
            var tables = asked.Count > 0 ? asked : configured;
            var requestedAt = time.GetUtcNow();
            foreach (var table in tables)
            {
                rebuild(table);
            }
            return Results.Json(new ReindexAcceptedBody(tables, requestedAt), StatusJson.Info<ReindexAcceptedBody>(), statusCode: StatusCodes.Status202Accepted);
        }).AddEndpointFilter(new ApiKeyFilter(options.Http));
    }
}

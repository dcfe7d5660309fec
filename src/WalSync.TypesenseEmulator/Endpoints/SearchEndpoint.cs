using System.Globalization;
using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Http;
using WalSync.TypesenseEmulator.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// <c>GET /collections/:c/documents/search</c> for verification, not relevance: <c>q=*</c> or plain tokens matched
/// case-insensitively over <c>query_by</c> string fields (the last token as a prefix), <c>filter_by</c>, one
/// <c>sort_by</c> field, paging. Errors are compact JSON as in v29.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/search.html</remarks>
internal static class SearchEndpoint
{
    private const int MaxPerPage = 250;

    /// <summary>Handles the request.</summary>
    public static Task HandleAsync(RequestContext context)
    {
        var query = context.Query;
        if (query["q"] is not { } q)
        {
            return Fail(context, 400, "Parameter `q` is required.");
        }

        var collection = context.Collection();
        if (collection is null)
        {
            return Fail(context, 404, "Collection not found");
        }

        var queryBy = (query["query_by"] ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (q != "*" && queryBy.Length == 0)
        {
            return Fail(context, 400, "No search fields specified for the query.");
        }

        if (!TryUnsigned(query, "page", 1, out var page) || !TryUnsigned(query, "per_page", 10, out var perPage))
        {
            return Fail(context, 400, $"Parameter `{(TryUnsigned(query, "page", 1, out _) ? "per_page" : "page")}` must be an unsigned integer.");
        }

        if (perPage > MaxPerPage)
        {
            return Fail(context, 422, $"Only upto {MaxPerPage} hits can be fetched per page.");
        }

        page = Math.Max(page, 1);
        var output = new Utf8Buffer();
        ApiError? error;
        lock (collection.Gate)
        {
            error = Search(collection, q, queryBy, query, page, perPage, output);
        }

        return error is null ? HttpResults.WriteAsync(context.Http, 200, output) : Fail(context, error.Status, error.Message);
    }

    private static ApiError? Search(
        EmulatorCollection collection, string q, string[] queryBy, QueryParameters query, int page, int perPage, Utf8Buffer output)
    {
        foreach (var name in queryBy)
        {
            if (collection.FindField(name) is not { ElementType: "string" })
            {
                return new ApiError(404, $"Could not find a field named `{name}` in the schema.");
            }
        }

        if (FilterParser.Parse(query["filter_by"] ?? string.Empty, collection, out var filter) is { } filterError)
        {
            return filterError;
        }

        var sort = SearchSort.Parse(query["sort_by"], collection, out var sortError);
        if (sortError is not null)
        {
            return sortError;
        }

        var tokens = q == "*" ? [] : TextTokens.Of(q);
        var hits = DocumentSelector.Select(collection, filter)
            .Where(document => tokens.Length == 0 || SearchText.Matches(document, queryBy, tokens))
            .ToList();
        hits = sort.Order(hits);
        var pageHits = hits.Skip((page - 1) * perPage).Take(perPage).ToList();
        SearchResponse.Write(output, collection, q, perPage, page, hits.Count, pageHits, tokens.Length > 0);
        return null;
    }

    private static bool TryUnsigned(QueryParameters query, string name, int fallback, out int value)
    {
        value = fallback;
        return query[name] is not { } text || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static Task Fail(RequestContext context, int status, string message) =>
        HttpResults.CompactMessageAsync(context.Http, status, message);
}

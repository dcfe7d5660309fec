using System.Globalization;

namespace WalSync.Typesense;

/// <summary>Builds percent-encoded request paths; names and ids may hold any character.</summary>
/// <remarks>
/// Typesense splits the path on '/' before decoding each segment, and decodes '+' to a space
/// (https://github.com/typesense/typesense <c>HttpServer::find_route()</c>), so every reserved character,
/// including '/', '+' and '%', is percent-encoded.
/// </remarks>
internal static class TypesensePaths
{
    public static string Collection(string name) => "/collections/" + Uri.EscapeDataString(name);

    public static string Documents(string collection) => Collection(collection) + "/documents";

    public static string Document(string collection, string id) => Documents(collection) + "/" + Uri.EscapeDataString(id);

    public static string Import(string collection, ImportAction action) =>
        Documents(collection) + "/import?action=" + action switch
        {
            ImportAction.Create => "create",
            ImportAction.Upsert => "upsert",
            ImportAction.Update => "update",
            ImportAction.Emplace => "emplace",
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown import action"),
        };

    public static string Search(string collection, SearchRequest request)
    {
        var query = new List<string> { "q=" + Uri.EscapeDataString(request.Q) };
        Add(query, "query_by", request.QueryBy);
        Add(query, "filter_by", request.FilterBy);
        Add(query, "sort_by", request.SortBy);
        Add(query, "page", request.Page?.ToString(CultureInfo.InvariantCulture));
        Add(query, "per_page", request.PerPage?.ToString(CultureInfo.InvariantCulture));
        return Documents(collection) + "/search?" + string.Join('&', query);
    }

    /// <summary>The operation text for errors and logs: method and path without the query string.</summary>
    public static string Describe(HttpMethod method, string pathAndQuery)
    {
        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return method.Method + " " + (queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart]);
    }

    private static void Add(List<string> query, string key, string? value)
    {
        if (value is not null)
        {
            query.Add(key + "=" + Uri.EscapeDataString(value));
        }
    }
}

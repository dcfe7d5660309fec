namespace WalSync.TypesenseEmulator.Http;

/// <summary>
/// Matches requests to routes in Typesense's registration order: segments split on <c>/</c>, empty ones dropped,
/// spaces trimmed, then percent-decoded (<c>+</c> is a space). Search and export win over <c>documents/:id</c>.
/// </summary>
internal static class RouteTable
{
    private static readonly (string Method, string[] Pattern, RouteKind Kind)[] Routes =
    [
        ("GET", ["health"], RouteKind.Health),
        ("POST", ["health"], RouteKind.Health),
        ("GET", ["collections"], RouteKind.CollectionList),
        ("POST", ["collections"], RouteKind.CollectionCreate),
        ("GET", ["collections", ":c"], RouteKind.CollectionGet),
        ("PATCH", ["collections", ":c"], RouteKind.CollectionUpdate),
        ("DELETE", ["collections", ":c"], RouteKind.CollectionDelete),
        ("GET", ["collections", ":c", "documents", "search"], RouteKind.DocumentSearch),
        ("POST", ["collections", ":c", "documents", "import"], RouteKind.DocumentImport),
        ("GET", ["collections", ":c", "documents", "export"], RouteKind.DocumentExport),
        ("POST", ["collections", ":c", "documents"], RouteKind.DocumentCreate),
        ("GET", ["collections", ":c", "documents", ":id"], RouteKind.DocumentGet),
        ("PATCH", ["collections", ":c", "documents", ":id"], RouteKind.DocumentUpdate),
        ("PATCH", ["collections", ":c", "documents"], RouteKind.DocumentsUpdateByFilter),
        ("DELETE", ["collections", ":c", "documents", ":id"], RouteKind.DocumentDelete),
        ("DELETE", ["collections", ":c", "documents"], RouteKind.DocumentsDeleteByFilter),
        ("GET", ["aliases"], RouteKind.AliasList),
        ("GET", ["aliases", ":c"], RouteKind.AliasGet),
        ("PUT", ["aliases", ":c"], RouteKind.AliasUpsert),
        ("DELETE", ["aliases", ":c"], RouteKind.AliasDelete),
        ("GET", ["_emulator", "faults"], RouteKind.FaultControl),
        ("POST", ["_emulator", "faults"], RouteKind.FaultControl),
        ("DELETE", ["_emulator", "faults"], RouteKind.FaultControl),
    ];

    /// <summary>Splits a raw path (no query) into decoded segments.</summary>
    public static string[] Segments(string rawPath) =>
    [
        .. rawPath.Split('/')
            .Select(s => s.Trim(' '))
            .Where(s => s.Length > 0)
            .Select(QueryParameters.Decode),
    ];

    /// <summary>The first route matching the method and segments, or null.</summary>
    public static RouteMatch? Match(string method, string[] segments)
    {
        foreach (var (routeMethod, pattern, kind) in Routes)
        {
            if (routeMethod != method || pattern.Length != segments.Length)
            {
                continue;
            }

            var matches = true;
            for (var i = 0; i < pattern.Length && matches; i++)
            {
                matches = pattern[i].StartsWith(':') || pattern[i] == segments[i];
            }

            if (matches)
            {
                var isWrite = method is "POST" or "PUT" or "PATCH" or "DELETE";
                return new RouteMatch(
                    kind,
                    pattern.Length > 1 && pattern[1] == ":c" ? segments[1] : string.Empty,
                    pattern.Length > 3 && pattern[3] == ":id" ? segments[3] : string.Empty,
                    isWrite);
            }
        }

        return null;
    }
}

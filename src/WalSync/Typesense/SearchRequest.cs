namespace WalSync.Typesense;

/// <summary>Parameters of <c>GET /collections/:c/documents/search</c>; null parameters are not sent.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/search.html. Typesense rejects a search query string longer than 4000 bytes.</remarks>
public sealed record SearchRequest
{
    /// <summary>The query text; <c>*</c> matches every document.</summary>
    public string Q { get; init; } = "*";

    /// <summary>Comma-separated fields to search; required unless <see cref="Q"/> is <c>*</c>.</summary>
    public string? QueryBy { get; init; }

    /// <summary>A filter expression, e.g. <c>id:=[`a`,`b`]</c> or <c>price:&gt;10</c>.</summary>
    public string? FilterBy { get; init; }

    /// <summary>Sort expression, e.g. <c>price:desc</c>.</summary>
    public string? SortBy { get; init; }

    /// <summary>1-based page number; Typesense's default is 1.</summary>
    public int? Page { get; init; }

    /// <summary>Hits per page; Typesense's default is 10 and its maximum 250.</summary>
    public int? PerPage { get; init; }
}

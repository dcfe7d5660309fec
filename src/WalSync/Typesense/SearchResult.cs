using System.Text.Json.Nodes;

namespace WalSync.Typesense;

/// <summary>The part of a search response a sync check needs.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/search.html#sample-response</remarks>
public sealed record SearchResult
{
    /// <summary>Number of documents matching the query and filter (all pages).</summary>
    public required int Found { get; init; }

    /// <summary>Number of documents in the collection.</summary>
    public required int OutOf { get; init; }

    /// <summary>The page returned, 1-based.</summary>
    public required int Page { get; init; }

    /// <summary>The stored documents of this page's hits, in hit order.</summary>
    public required IReadOnlyList<JsonObject> Documents { get; init; }
}

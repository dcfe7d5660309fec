namespace WalSync.Mapping;

/// <summary>The outcome of mapping one row: success, or the reason the row cannot become a document (for the dead-letter store).</summary>
/// <param name="Success">True when the document was written.</param>
/// <param name="Error">Why not, naming the column, e.g. "column price: numeric NaN cannot be stored in a Typesense float field"; null on success.</param>
internal readonly record struct MappingResult(bool Success, string? Error)
{
    /// <summary>The successful result.</summary>
    public static MappingResult Ok => new(true, null);

    /// <summary>A failure for <paramref name="error"/>.</summary>
    public static MappingResult Failure(string error) => new(false, error);
}

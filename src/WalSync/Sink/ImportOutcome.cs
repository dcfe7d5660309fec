namespace WalSync.Sink;

/// <summary>What became of one document of an import.</summary>
/// <param name="Kind">Written, not found (a partial update of a document Typesense does not have), or rejected.</param>
/// <param name="Error">Why it was rejected: the mapping error or Typesense's code and message.</param>
/// <param name="Document">The document as sent, when Typesense rejected it; null when it could not be mapped.</param>
internal readonly record struct ImportOutcome(ImportOutcomeKind Kind, string? Error, string? Document)
{
    /// <summary>The document is in the collection.</summary>
    public static ImportOutcome Written => new(ImportOutcomeKind.Written, null, null);

    /// <summary>A partial update found no document to update.</summary>
    public static ImportOutcome NotFound => new(ImportOutcomeKind.NotFound, null, null);

    /// <summary>The row could not be mapped, or Typesense refused the document for its content.</summary>
    public static ImportOutcome Rejected(string error, string? document) => new(ImportOutcomeKind.Rejected, error, document);
}

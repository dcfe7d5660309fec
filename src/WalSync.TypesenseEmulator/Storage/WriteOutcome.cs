namespace WalSync.TypesenseEmulator.Storage;

/// <summary>Result of writing one document (one import line or one single-document request).</summary>
/// <param name="Code">200 on success, else the per-line error code (400, 404, 409).</param>
/// <param name="Error">Error text on failure.</param>
/// <param name="Document">The stored document on success.</param>
/// <param name="IdJson">
/// Canonical JSON of the parsed document's <c>id</c> (any type, auto-assigned ids included), or null when the line
/// had no object or no id; used by <c>return_id</c>.
/// </param>
/// <param name="Parsed">False when the line was not valid JSON.</param>
internal sealed record WriteOutcome(int Code, string? Error, StoredDocument? Document, string? IdJson, bool Parsed)
{
    /// <summary>True when the document was stored.</summary>
    public bool Success => Document.HasValue;
}

namespace WalSync.Typesense;

/// <summary>The result of one non-empty line of an import, in input order.</summary>
/// <param name="Success">Whether Typesense stored the document.</param>
/// <param name="Code">HTTP-like code of the line: 200 on success, else Typesense's per-line code (400 bad document, 404 missing for update, 409 exists for create, 500 storage).</param>
/// <param name="Error">Typesense's error message for a rejected line, e.g. <c>Field `price` must be a float.</c>; null on success.</param>
/// <param name="Id">The document id when Typesense returned it (only with <c>return_id=true</c>, which this client does not ask for: match lines by position).</param>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents</remarks>
public readonly record struct ImportLineResult(bool Success, int Code, string? Error, string? Id)
{
    /// <summary>The result of the common <c>{"success":true}</c> line.</summary>
    public static ImportLineResult Stored { get; } = new(true, 200, null, null);
}

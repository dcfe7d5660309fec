namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>
/// <c>id:X</c>, <c>id:=[a,b]</c>, <c>id:!=X</c>; the value <c>*</c> matches every document (Typesense v28+).
/// </summary>
internal sealed class IdFilter : FilterNode
{
    private readonly HashSet<string> _ids;
    private readonly bool _all;
    private readonly bool _negate;

    /// <summary>Creates the filter for <paramref name="ids"/>.</summary>
    public IdFilter(IEnumerable<string> ids, bool negate)
    {
        _ids = new HashSet<string>(ids, StringComparer.Ordinal);
        _all = _ids.Contains("*");
        _negate = negate;
    }

    /// <inheritdoc />
    public override IReadOnlyCollection<string>? CandidateIds => _all || _negate ? null : _ids;

    /// <inheritdoc />
    public override bool Matches(DocumentView document) =>
        (_all || _ids.Contains(document.Document.Id)) != _negate;
}

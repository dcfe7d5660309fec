namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>A node of a parsed <c>filter_by</c> expression.</summary>
internal abstract class FilterNode
{
    /// <summary>
    /// When every match must have one of these ids, the ids (so a filter on ids looks them up instead of scanning);
    /// null when any document may match.
    /// </summary>
    public virtual IReadOnlyCollection<string>? CandidateIds => null;

    /// <summary>True if the document satisfies the expression.</summary>
    public abstract bool Matches(DocumentView document);
}

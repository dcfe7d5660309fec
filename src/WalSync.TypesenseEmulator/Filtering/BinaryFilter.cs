namespace WalSync.TypesenseEmulator.Filtering;

/// <summary><c>&amp;&amp;</c> or <c>||</c> of two expressions.</summary>
internal sealed class BinaryFilter : FilterNode
{
    private readonly FilterNode _left;
    private readonly FilterNode _right;
    private readonly bool _and;

    /// <summary>Combines two nodes; <paramref name="and"/> false means OR.</summary>
    public BinaryFilter(FilterNode left, FilterNode right, bool and)
    {
        _left = left;
        _right = right;
        _and = and;
    }

    /// <inheritdoc />
    public override IReadOnlyCollection<string>? CandidateIds
    {
        get
        {
            var left = _left.CandidateIds;
            var right = _right.CandidateIds;
            if (_and)
            {
                return left ?? right;
            }

            return left is null || right is null ? null : [.. left.Union(right, StringComparer.Ordinal)];
        }
    }

    /// <inheritdoc />
    public override bool Matches(DocumentView document) =>
        _and ? _left.Matches(document) && _right.Matches(document) : _left.Matches(document) || _right.Matches(document);
}

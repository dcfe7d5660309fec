namespace WalSync.Sink;

/// <summary>
/// What became of each document of an import, by its index among the documents rendered: only those not written are
/// stored. One entry per document was two large objects per import of a backfill's chunk (24 bytes a document), which
/// the GC collects only in full collections.
/// </summary>
internal sealed class ImportOutcomes
{
    private Dictionary<int, ImportOutcome>? _notWritten;

    /// <summary>Creates the outcomes of <paramref name="count"/> documents, all <see cref="ImportOutcome.Written"/>.</summary>
    public ImportOutcomes(int count) => Count = count;

    /// <summary>Documents in the import.</summary>
    public int Count { get; }

    /// <summary>Documents not written (not found or rejected).</summary>
    public int NotWritten => _notWritten?.Count ?? 0;

    /// <summary>The outcome of document <paramref name="document"/>.</summary>
    public ImportOutcome this[int document] =>
        _notWritten is not null && _notWritten.TryGetValue(document, out var outcome) ? outcome : ImportOutcome.Written;

    /// <summary>Records that document <paramref name="document"/> was not written: <paramref name="outcome"/> is not found or rejected.</summary>
    public void SetNotWritten(int document, ImportOutcome outcome) => (_notWritten ??= [])[document] = outcome;

    /// <summary>A copy, to be changed without changing this one.</summary>
    public ImportOutcomes Copy()
    {
        var copy = new ImportOutcomes(Count);
        if (_notWritten is not null)
        {
            copy._notWritten = new Dictionary<int, ImportOutcome>(_notWritten);
        }
        return copy;
    }
}

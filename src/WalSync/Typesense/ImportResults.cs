using System.Collections;

namespace WalSync.Typesense;

/// <summary>
/// The results of one import, in input order, kept as their count and the lines that are not the common
/// <c>{"success":true}</c> (<see cref="ImportLineResult.Stored"/>): an import of 10,000 documents would otherwise take
/// a 320 KB array for its answer, allocated on the large-object heap at every import.
/// </summary>
internal sealed class ImportResults : IReadOnlyList<ImportLineResult>
{
    private readonly Dictionary<int, ImportLineResult>? _others;

    /// <summary>Creates the results of <paramref name="count"/> lines, those not listed in <paramref name="others"/>
    /// (by index) being <see cref="ImportLineResult.Stored"/>.</summary>
    public ImportResults(int count, Dictionary<int, ImportLineResult>? others)
    {
        Count = count;
        _others = others;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public ImportLineResult this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _others is not null && _others.TryGetValue(index, out var result) ? result : ImportLineResult.Stored;
        }
    }

    /// <inheritdoc/>
    public IEnumerator<ImportLineResult> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

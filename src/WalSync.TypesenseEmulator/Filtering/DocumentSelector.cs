using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>Finds the documents of a collection that match a filter. Callers hold the collection's gate.</summary>
internal static class DocumentSelector
{
    /// <summary>
    /// Matching documents in sequence order (oldest first). Id filters are looked up directly; other filters scan
    /// every document. A null filter matches everything.
    /// </summary>
    public static List<StoredDocument> Select(EmulatorCollection collection, FilterNode? filter)
    {
        IEnumerable<StoredDocument> candidates = filter?.CandidateIds is { } ids
            ? ids.Select(collection.Documents.Find).Where(d => d.HasValue).Select(d => d!.Value)
            : collection.Documents.All;
        var matches = new List<StoredDocument>();
        foreach (var document in candidates)
        {
            if (filter is null)
            {
                matches.Add(document);
                continue;
            }

            using var view = new DocumentView(document);
            if (filter.Matches(view))
            {
                matches.Add(document);
            }
        }

        matches.Sort((a, b) => a.SeqId.CompareTo(b.SeqId));
        return matches;
    }
}

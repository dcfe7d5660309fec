using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Status;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>The flush of a table with nested documents.</summary>
internal sealed partial class TypesenseSink
{
    /// <summary>Root documents read and imported at once: the bound on what a change touching many roots holds in memory.</summary>
    internal const int NestedChunk = 1000;

    /// <summary>
    /// Writes the documents of a table with <c>Nested</c> entries whole (<c>action=upsert</c>, which replaces the stored
    /// document and every nested value of it; <c>update</c> would merge objects and leave stale values, Typesense v29
    /// index.cpp): the rows changed in the batch and the roots above changed nested and join rows (every root after a
    /// TRUNCATE of one) are read back from PostgreSQL with their nested fields, one query per kind, in chunks. A root that
    /// no longer exists is skipped: its delete comes from its own table's stream. Returns the bytes imported.
    /// </summary>
    private async Task<long> FlushNestedAsync(CollectionBatch batch, string collection, List<KeyValuePair<string, PendingChange>> changed,
        List<DeadLetter> deadLetters, CollectionCounters? counters, CancellationToken cancellationToken)
    {
        long bytes = 0;
        foreach (var group in changed.GroupBy(m => m.Value.Mapper))
        {
            var lsn = group.Max(m => m.Value.Lsn);
            foreach (var chunk in group.Chunk(NestedChunk))
            {
                var parameters = new List<string[]>();
                var condition = NestedReadBack.ByKeys(batch.Table.Source, [.. chunk.Select(m => batch.Table.KeyOf(m.Value.Row, group.Key))], parameters);
                bytes += await ImportRootsAsync(batch.Table, group.Key, collection, condition, parameters, lsn, deadLetters, counters, cancellationToken);
            }
        }
        if (batch.RelatedMapper is { } mapper && (batch.RelatedTruncated || batch.Related.Count > 0))
        {
            var parameters = new List<string[]>();
            var condition = batch.RelatedTruncated ? null : NestedReadBack.Affected(batch.Table, batch.Related, parameters);
            if (batch.RelatedTruncated || condition is not null)
            {
                bytes += await ImportRootsAsync(batch.Table, mapper, collection, condition, parameters, default, deadLetters, counters, cancellationToken);
            }
        }
        return bytes;
    }

    /// <summary>Streams the roots that match <paramref name="condition"/> with their nested fields and imports them in chunks.</summary>
    private async Task<long> ImportRootsAsync(TableBinding table, DocumentMapper mapper, string collection, string? condition, List<string[]> parameters,
        NpgsqlTypes.NpgsqlLogSequenceNumber lsn, List<DeadLetter> deadLetters, CollectionCounters? counters, CancellationToken cancellationToken)
    {
        long bytes = 0;
        var documents = new List<KeyValuePair<string, PendingChange>>(NestedChunk);
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await foreach (var (row, nested) in NestedReadBack.ReadAsync(connection, table, mapper, condition, parameters, cancellationToken))
        {
            // A row soft-deleted since is not written: the change that deleted it comes later in the stream.
            if (!mapper.IsSoftDeleted(row) && mapper.TryGetDocumentId(row, out var id, out _))
            {
                documents.Add(new(id, new PendingChange(DocumentOperation.Upsert, row, mapper, lsn, nested)));
            }
            if (documents.Count == NestedChunk)
            {
                bytes += await ImportAsync(table, collection, new([.. documents]), ImportAction.Upsert, deadLetters, null, counters, cancellationToken);
                documents.Clear();
            }
        }
        bytes += await ImportAsync(table, collection, new([.. documents]), ImportAction.Upsert, deadLetters, null, counters, cancellationToken);
        return bytes;
    }
}

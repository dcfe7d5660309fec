using Microsoft.Extensions.Logging.Abstractions;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Pipeline;
using WalSync.Replication;
using WalSync.Typesense;

namespace WalSync.Sink;

/// <summary>
/// Resolves pending dead letters once their cause is fixed (a collection field retyped, a column cleaned up): reads
/// each row again from PostgreSQL by its key, maps it with the current mapping and imports it (<c>action=upsert</c>).
/// A row that no longer exists, or is soft-deleted, has its document deleted. Resolved dead letters are marked
/// retried; the others stay pending with the new error reported.
/// </summary>
/// <remarks>The row's current version is written, not the one that failed: a later change that WalSync wrote
/// meanwhile is not undone, and if WalSync writes the same row during the retry, its change is the newer one.</remarks>
public sealed class DeadLetterRetrier
{
    private readonly WalSyncOptions _options;
    private readonly IDeadLetterArchive _store;
    private readonly TypesenseClient _client;
    private readonly TimeProvider _time;

    /// <summary>Creates the retrier.</summary>
    /// <param name="options">The configuration: its Tables say which collection each table goes to and how it maps, its
    /// Postgres section where the rows are read.</param>
    /// <param name="store">The dead-letter store.</param>
    /// <param name="client">The Typesense client.</param>
    /// <param name="time">The clock for <see cref="StoredDeadLetter.RetriedAt"/>.</param>
    public DeadLetterRetrier(WalSyncOptions options, IDeadLetterArchive store, TypesenseClient client, TimeProvider? time = null)
    {
        _options = options;
        _store = store;
        _client = client;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Retries the pending dead letters <paramref name="query"/> selects.</summary>
    /// <exception cref="ConfigurationException">A configured table is gone or cannot be read.</exception>
    /// <exception cref="TypesenseException">Typesense failed for a reason other than a rejected document or a missing collection.</exception>
    public async Task<DeadLetterRetryResult> RetryAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var result = new DeadLetterRetryResult();
        var pending = await _store.ListAsync(query with { IncludeRetried = false }, cancellationToken);
        if (pending.Count == 0)
        {
            return result;
        }
        await using var source = new SourceDatabase(_options.Postgres, NullLogger.Instance);
        PgTypeCatalog types;
        await using (var connection = await source.DataSource.OpenConnectionAsync(cancellationToken))
        {
            types = await PgTypeCatalog.LoadAsync(connection, cancellationToken);
        }
        foreach (var group in pending.GroupBy(p => p.Letter.Table, StringComparer.Ordinal))
        {
            var table = _options.Tables.FirstOrDefault(t => $"{t.SchemaName}.{t.TableName}" == group.Key);
            if (table is null)
            {
                Fail(result, group, $"the table {group.Key} is no longer in Tables of the configuration; add it back to retry");
                continue;
            }
            // The publication's row filter hides rows from the stream; a hidden row's document is deleted like a deleted row's.
            var described = (await source.ApplyPublicationAsync([await source.DescribeTableAsync(table, cancellationToken)], cancellationToken))[0];
            var registry = new TableRegistry([described], types, source.DataSource);
            var binding = registry.Bindings[0];
            var mapper = await registry.GetMapperAsync(binding, described.Relation, cancellationToken);
            var resolved = await RetryTableAsync(source, binding, mapper, group.ToList(), result, cancellationToken);
            await _store.MarkRetriedAsync(resolved, _time.GetUtcNow(), cancellationToken);
        }
        return result;
    }

    /// <summary>Writes or deletes the documents of one table's dead letters; returns the ids of those resolved.</summary>
    private async Task<List<string>> RetryTableAsync(SourceDatabase source, TableBinding binding, DocumentMapper mapper, List<StoredDeadLetter> letters,
        DeadLetterRetryResult result, CancellationToken cancellationToken)
    {
        var keyCount = binding.Source.KeyColumns.Count;
        Fail(result, letters.Where(l => l.Letter.Key.Count != keyCount),
            $"the key of {binding.Source.Relation.QualifiedName} is now ({string.Join(", ", binding.Source.KeyColumns)}), not the one this dead letter recorded");
        var byDocument = letters.Where(l => l.Letter.Key.Count == keyCount).GroupBy(l => l.Letter.DocumentId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        IReadOnlyList<RowImage> rows;
        await using (var connection = await source.DataSource.OpenConnectionAsync(cancellationToken))
        {
            rows = await TableRowReader.ReadByKeysAsync(connection, binding.Source, byDocument.Values.Select(l => l[0].Letter.Key.ToArray()).ToList(), cancellationToken);
        }
        var found = rows.Where(r => !mapper.IsSoftDeleted(r))
            .Select(r => new KeyValuePair<string, PendingChange>(mapper.GetDocumentId(r), new PendingChange(DocumentOperation.Upsert, r, mapper, default)))
            .Where(d => byDocument.ContainsKey(d.Key)).ToArray();
        var resolved = new List<string>();
        var gone = byDocument.Keys.Except(found.Select(d => d.Key), StringComparer.Ordinal).ToList();
        try
        {
            var (outcomes, _) = await new DocumentImporter(_client).ImportAsync(binding.Collection, found, ImportAction.Upsert, cancellationToken);
            for (var i = 0; i < found.Length; i++)
            {
                var group = byDocument[found[i].Key];
                if (outcomes[i].Kind == ImportOutcomeKind.Written)
                {
                    resolved.AddRange(group.Select(l => l.Id));
                    result.Written += group.Count;
                }
                else
                {
                    Fail(result, group, outcomes[i].Error ?? "the document was not written");
                }
            }
            if (gone.Count > 0)
            {
                await _client.DeleteDocumentsAsync(binding.Collection, gone, cancellationToken);
                resolved.AddRange(gone.SelectMany(id => byDocument[id]).Select(l => l.Id));
                result.Deleted += gone.Sum(id => byDocument[id].Count);
            }
        }
        catch (TypesenseException e) when (e.StatusCode == 404)
        {
            Fail(result, byDocument.Values.SelectMany(l => l).Where(l => !resolved.Contains(l.Id)),
                $"the collection {binding.Collection} does not exist ({e.TypesenseMessage}); start walsync run to create it, then retry");
        }
        return resolved;
    }

    private static void Fail(DeadLetterRetryResult result, IEnumerable<StoredDeadLetter> letters, string error)
    {
        foreach (var letter in letters)
        {
            result.Failures.Add(new DeadLetterRetryFailure(letter, error));
        }
    }
}

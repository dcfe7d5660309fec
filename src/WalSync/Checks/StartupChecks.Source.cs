using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WalSync.Backfill;
using WalSync.Configuration;
using WalSync.DeadLetters;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Checks;

/// <summary>The checks of the source database.</summary>
public sealed partial class StartupChecks
{
    private static readonly string[] SourceChecks = ["wal_level", "REPLICATION", "publication", "values", "decoding memory", "dead letters", "backfills", "slot"];

    /// <summary>Checks PostgreSQL; returns the tables as the stream will send them when every table passed, else null.</summary>
    private async Task<TableRegistry?> CheckSourceAsync(SourceDatabase source, List<CheckResult> results, CancellationToken cancellationToken)
    {
        var address = Unreachable.PostgresAddress(_options.Postgres);
        PgTypeCatalog? types = null;
        var connected = await CheckAsync(results, "PostgreSQL connection", async () =>
        {
            await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
            types = await PgTypeCatalog.LoadAsync(connection, cancellationToken);
            return $"connected to {address}, database '{connection.Database}', as '{connection.UserName}' (PostgreSQL {connection.PostgreSqlVersion})";
        }, cancellationToken);
        if (!connected)
        {
            foreach (var name in SourceChecks.Take(2).Concat(_options.Tables.Select(t => $"table {t.Table}")).Concat(SourceChecks.Skip(2)))
            {
                results.Add(new CheckResult(name, CheckStatus.Skipped, "not checked: needs a connection to PostgreSQL"));
            }
            return null;
        }
        await CheckAsync(results, "wal_level", async () => $"wal_level = {await source.CheckWalLevelAsync(cancellationToken)}", cancellationToken);
        await CheckAsync(results, "REPLICATION", async () =>
            $"the role '{await source.CheckReplicationAsync(cancellationToken)}' may stream from a replication slot", cancellationToken);

        var described = new List<SourceTable>();
        // One read for every table; each table's check reports its own part (or the read's failure).
        Task<IReadOnlyList<TableDescription>>? descriptions = null;
        foreach (var (table, i) in _options.Tables.Select((t, i) => (t, i)))
        {
            await CheckAsync(results, $"table {table.Table}", async () =>
            {
                var found = (await (descriptions ??= source.DescribeTablesAsync([.. _options.Tables], cancellationToken)))[i].Get();
                described.Add(found);
                return $"readable, key ({string.Join(", ", found.KeyColumns)}), {found.Relation.Columns.Count} columns";
            }, cancellationToken);
        }
        PublicationCheck? publication = null;
        if (described.Count == 0)
        {
            results.Add(new CheckResult("publication", CheckStatus.Skipped, "not checked: no table passed its checks"));
        }
        else if (await CheckAsync(results, "publication", async () => (publication = await source.CheckPublicationAsync(described, cancellationToken)).Message,
            cancellationToken))
        {
            foreach (var table in publication!.Tables)
            {
                if (await source.GeneratedColumnsMissingAsync(table, cancellationToken) is { } missing)
                {
                    results.Add(new CheckResult($"generated columns of {table.Relation.QualifiedName}", CheckStatus.Warning, $"{table.Relation.QualifiedName}: {missing}"));
                }
            }
        }
        CheckValues(publication, results);
        await CheckDecodingMemoryAsync(source, results, cancellationToken);
        if (_options.Postgres.StreamLargeTransactions)
        {
            var (description, problem, unusable) = TransactionSpool.Describe(Path.GetTempPath());
            results.Add(problem is null
                ? new CheckResult("temporary files", CheckStatus.Passed, $"transactions streamed before their commit are kept in {description} until then")
                : new CheckResult("temporary files", unusable ? CheckStatus.Failed : CheckStatus.Warning, problem));
        }
        await CheckAsync(results, "dead letters", () => CheckDeadLettersAsync(source, cancellationToken), cancellationToken);
        await CheckAsync(results, "backfills", () => new BackfillStore(source.DataSource, _options.Postgres.Slot, _options.Backfill.Table).CheckAsync(cancellationToken),
            cancellationToken);
        await CheckSlotAsync(source, results, cancellationToken);
        return publication is { Tables: var published } && described.Count == _options.Tables.Count ? new TableRegistry(published, types!, source.DataSource) : null;
    }

    /// <summary>Says whether the stream will carry binary or text values, and why text: text costs the server more CPU per
    /// row but is no problem, so this check never fails.</summary>
    private void CheckValues(PublicationCheck? publication, List<CheckResult> results)
    {
        if (!_options.Postgres.BinaryValues)
        {
            results.Add(new CheckResult("values", CheckStatus.Passed, "text (Postgres:BinaryValues is false)"));
            return;
        }
        results.Add(publication is null ? new CheckResult("values", CheckStatus.Skipped, "not checked: the publication must pass its check first")
            : new CheckResult("values", CheckStatus.Passed, publication.Values.TextBecause is { } reason ? $"text ({reason})"
                : "binary (every published column's type has a binary form WalSync reads)"));
    }

    /// <summary>Says how much memory the WAL sender decodes a transaction in before spilling it to disk, and warns when the
    /// slot has spilled (<c>pg_stat_replication_slots</c>): each spilled change costs the server a write and a read more.</summary>
    private async Task CheckDecodingMemoryAsync(SourceDatabase source, List<CheckResult> results, CancellationToken cancellationToken)
    {
        long spilled = 0, spilledBytes = 0;
        await CheckAsync(results, "decoding memory", async () =>
        {
            await using var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_setting('logical_decoding_work_mem'), st.spill_txns, st.spill_bytes " +
                "FROM (SELECT 1) AS one LEFT JOIN pg_stat_replication_slots st ON st.slot_name = $1", connection);
            command.Parameters.AddWithValue(_options.Postgres.Slot);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            spilled = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
            spilledBytes = reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
            var memory = _options.Postgres.LogicalDecodingWorkMem is { } own
                ? $"logical_decoding_work_mem {own} (Postgres:LogicalDecodingWorkMem; the server's is {reader.GetString(0)})"
                : $"logical_decoding_work_mem {reader.GetString(0)} (the server's setting)";
            var larger = _options.Postgres.StreamLargeTransactions
                ? "larger transactions are streamed to WalSync before their commit"
                : "larger transactions are spilled to disk (Postgres:StreamLargeTransactions is false)";
            return spilled == 0 ? $"{memory}; {larger}"
                : $"{memory}; slot '{_options.Postgres.Slot}' has spilled {spilled} transaction(s), {spilledBytes / (1024 * 1024)} MiB, to disk since its " +
                  "statistics were reset: set Postgres:LogicalDecodingWorkMem above their size (e.g. \"1GB\") so that its WAL sender decodes such transactions in memory" +
                  (_options.Postgres.StreamLargeTransactions ? "" : ", or turn Postgres:StreamLargeTransactions on");
        }, cancellationToken);
        if (spilled > 0 && results[^1].Status == CheckStatus.Passed)
        {
            results[^1] = results[^1] with { Status = CheckStatus.Warning };
        }
    }

    private async Task<string> CheckDeadLettersAsync(SourceDatabase source, CancellationToken cancellationToken)
    {
        var store = DeadLetterStores.Create(_options.DeadLetter, source.DataSource);
        if (store is PostgresDeadLetterStore table)
        {
            return await table.CheckAsync(cancellationToken);
        }
        await store.InitializeAsync(cancellationToken);
        return $"dead letters go to files in {Path.GetFullPath(_options.DeadLetter.Directory!)}";
    }

    private async Task CheckSlotAsync(SourceDatabase source, List<CheckResult> results, CancellationToken cancellationToken)
    {
        if (Resnapshot)
        {
            results.Add(new CheckResult("slot", CheckStatus.Passed, $"slot '{_options.Postgres.Slot}' is dropped and created again (--resnapshot)"));
            return;
        }
        var inUse = false;
        await CheckAsync(results, "slot", async () =>
        {
            var (found, busy) = await new SlotManager(_options.Postgres, source, _time, NullLogger.Instance).CheckAsync(
                _options.Postgres.OnSlotInvalidated == RecoveryAction.Stop, cancellationToken);
            inUse = busy;
            return found;
        }, cancellationToken);
        if (inUse)
        {
            results[^1] = results[^1] with { Status = CheckStatus.Warning };
        }
    }
}

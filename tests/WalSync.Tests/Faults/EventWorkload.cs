using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace WalSync.Tests.Faults;

/// <summary>
/// Small transactions on an <c>events</c> table (10 inserts of ~1 KiB rows, 3 updates, 1 delete each), each
/// remembered with an LSN read right after its commit, so at or after its end. <see cref="Check"/> says whether
/// a collection honours a confirmed_flush_lsn: every transaction that ended before it must be visible.
/// </summary>
public sealed class EventWorkload
{
    public const string CreateTable = "CREATE TABLE events (id bigint PRIMARY KEY, v int NOT NULL, payload text NOT NULL)";

    /// <summary>The documents the table should give (the payload column is excluded from the collection).</summary>
    public const string Expected = "SELECT id::text AS id, v FROM events";

    private const int RowsPerTransaction = 10;
    private readonly string _connectionString;
    private readonly Random _random = new(7);

    /// <summary>Committed transactions, in commit order. Guarded by itself.</summary>
    private readonly List<Transaction> _committed = [];

    /// <summary>Every id a transaction deletes, added before it runs. Guarded by <see cref="_committed"/>.</summary>
    private readonly HashSet<long> _deletes = [];

    public EventWorkload(string connectionString) => _connectionString = connectionString;

    /// <summary>Transactions committed so far.</summary>
    public int Committed
    {
        get
        {
            lock (_committed)
            {
                return _committed.Count;
            }
        }
    }

    /// <summary>Commits transactions until <paramref name="stop"/> is cancelled, one every few milliseconds.</summary>
    public async Task RunAsync(TimeSpan pause, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(CancellationToken.None);
        var alive = new List<long>();
        for (var version = 1; !stop.IsCancellationRequested; version++)
        {
            var first = (long)version * RowsPerTransaction;
            var updated = Enumerable.Range(0, Math.Min(3, alive.Count)).Select(_ => alive[_random.Next(alive.Count)]).Distinct().ToArray();
            var deletable = alive.Where(id => !updated.Contains(id)).ToList();
            long[] deleted = deletable.Count > 50 ? [deletable[_random.Next(deletable.Count)]] : [];
            lock (_committed)
            {
                _deletes.UnionWith(deleted);
            }
            await using (var batch = new NpgsqlBatch(connection))
            {
                batch.BatchCommands.Add(Command("INSERT INTO events SELECT g, $1, (SELECT string_agg(md5(g::text || '-' || j), '') FROM generate_series(1, 32) AS j) " +
                    "FROM generate_series($2, $3) AS g", version, first, first + RowsPerTransaction - 1));
                batch.BatchCommands.Add(Command("UPDATE events SET v = $1 WHERE id = ANY($2)", version, updated));
                batch.BatchCommands.Add(Command("DELETE FROM events WHERE id = ANY($1)", deleted));
                await batch.ExecuteNonQueryAsync(CancellationToken.None);
            }
            await using (var lsn = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection))
            {
                var endOrLater = (NpgsqlLogSequenceNumber)(await lsn.ExecuteScalarAsync(CancellationToken.None))!;
                lock (_committed)
                {
                    _committed.Add(new Transaction(endOrLater, version, first, updated, deleted));
                }
            }
            alive.RemoveAll(deleted.Contains);
            alive.AddRange(Enumerable.Range(0, RowsPerTransaction).Select(i => first + i));
            await Task.Delay(pause, CancellationToken.None);
        }
    }

    /// <summary>
    /// Problems of <paramref name="documents"/> read after the slot's <paramref name="confirmed"/> LSN: a transaction
    /// that ended at or before it whose insert, update or delete is not visible. Empty when none.
    /// </summary>
    public List<string> Check(NpgsqlLogSequenceNumber confirmed, IReadOnlyDictionary<string, JsonObject> documents)
    {
        Transaction[] committed;
        HashSet<long> deletes;
        lock (_committed)
        {
            committed = [.. _committed];
            deletes = [.. _deletes];
        }
        var atLeast = new Dictionary<long, int>();
        var deletedBefore = new List<long>();
        foreach (var transaction in committed.Where(t => t.EndOrLater <= confirmed))
        {
            foreach (var id in Enumerable.Range(0, RowsPerTransaction).Select(i => transaction.FirstId + i).Concat(transaction.Updated))
            {
                atLeast[id] = Math.Max(atLeast.GetValueOrDefault(id), transaction.Version);
            }
            deletedBefore.AddRange(transaction.Deleted);
        }
        var problems = new List<string>();
        // A row deleted by any transaction may already be gone: WalSync writes more than it has acknowledged.
        foreach (var (id, version) in atLeast.Where(pair => !deletes.Contains(pair.Key)))
        {
            var key = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!documents.TryGetValue(key, out var document))
            {
                problems.Add($"document {id} is missing although the slot ({confirmed}) passed the transaction that wrote it (v {version})");
            }
            else if (document["v"]!.GetValue<int>() < version)
            {
                problems.Add($"document {id} has v {document["v"]} although the slot ({confirmed}) passed the transaction that set v {version}");
            }
        }
        problems.AddRange(deletedBefore.Where(id => documents.ContainsKey(id.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Select(id => $"document {id} exists although the slot ({confirmed}) passed the transaction that deleted it"));
        return problems;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }

    private sealed record Transaction(NpgsqlLogSequenceNumber EndOrLater, int Version, long FirstId, long[] Updated, long[] Deleted);
}

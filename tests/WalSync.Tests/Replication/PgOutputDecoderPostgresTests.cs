using Npgsql.Replication;
using Npgsql.Replication.Internal;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// The decoder against Npgsql's own pgoutput decoding of the same stream from a real PostgreSQL: two temporary slots
/// made at the same point see the same messages, one read with Npgsql's PgOutput API, one decoded from raw bytes.
/// </summary>
public class PgOutputDecoderPostgresTests
{
    private const string Schema = """
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE TABLE items (id int PRIMARY KEY, name text, big text, m mood, n numeric);
        CREATE TABLE full_items (id int PRIMARY KEY, v text);
        ALTER TABLE full_items REPLICA IDENTITY FULL;
        CREATE PUBLICATION decoded FOR TABLE items, full_items;
        """;

    // Ten transactions: TOAST, NULLs, non-ASCII text, a key change, REPLICA IDENTITY FULL, a new column, TRUNCATE and a
    // logical decoding message.
    private static readonly string[] Transactions =
    [
        "INSERT INTO items VALUES (1, 'h\u00e9llo \"q\" \\', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 3000) i), 'sad', 1.50)",
        "INSERT INTO items VALUES (2, NULL, NULL, NULL, 'NaN')",
        "UPDATE items SET name = 'renamed' WHERE id = 1",
        "UPDATE items SET id = 3 WHERE id = 2",
        "DELETE FROM items WHERE id = 3",
        "INSERT INTO full_items VALUES (1, 'a'); UPDATE full_items SET v = 'b'; DELETE FROM full_items",
        "ALTER TABLE items ADD COLUMN extra int; INSERT INTO items (id, extra) VALUES (10, 5)",
        "INSERT INTO items (id) SELECT g FROM generate_series(20, 25) g; SELECT pg_logical_emit_message(true, 'walsync', 'hello')",
        "TRUNCATE items, full_items",
        "INSERT INTO items (id, name) VALUES (30, '')",
    ];

    [Fact]
    public async Task Decode_RealStream_MatchesNpgsqlDecoding()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("decoder");
        await PostgresServer.ExecuteAsync(connectionString, Schema);
        await using var oracle = new LogicalReplicationConnection(connectionString);
        await using var raw = new LogicalReplicationConnection(connectionString);
        await oracle.Open();
        await raw.Open();
        var oracleSlot = await oracle.CreatePgOutputReplicationSlot("oracle_" + Environment.ProcessId, temporarySlot: true,
            slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport);
        var rawSlot = new PgOutputReplicationSlot(await raw.CreateLogicalReplicationSlot("raw_" + Environment.ProcessId, "pgoutput",
            isTemporary: true, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport));
        foreach (var transaction in Transactions)
        {
            await PostgresServer.ExecuteAsync(connectionString, transaction);
        }

        var expected = await ReadWithNpgsqlAsync(oracle, oracleSlot);
        var actual = await ReadWithDecoderAsync(raw, rawSlot);

        Assert.Equal(Transactions.Length, expected.Count(line => line.Contains(" C ", StringComparison.Ordinal)));
        Assert.Contains(expected, line => line.Contains(" u ", StringComparison.Ordinal)); // the TOAST value came unchanged
        Assert.Equal(expected, actual);
    }

    private static async Task<List<string>> ReadWithNpgsqlAsync(LogicalReplicationConnection connection, PgOutputReplicationSlot slot)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var options = new PgOutputReplicationOptions("decoded", PgOutputProtocolVersion.V2, binary: false, streamingMode: PgOutputStreamingMode.Off, messages: true);
        var lines = new List<string>();
        var commits = 0;
        await foreach (var message in connection.StartReplication(slot, options, timeout.Token))
        {
            var prefix = $"{message.WalEnd} ";
            lines.Add(prefix + message switch
            {
                BeginMessage => "B",
                CommitMessage commit => $"C {commit.TransactionEndLsn} {commit.TransactionCommitTimestamp:O}",
                RelationMessage relation => Describe(relation.RelationId, relation.Namespace.Length == 0 ? "pg_catalog" : relation.Namespace,
                    relation.RelationName, (char)relation.ReplicaIdentity,
                    relation.Columns.Select(c => $"{c.ColumnName}:{c.DataTypeId}:{c.TypeModifier}:{c.Flags.HasFlag(RelationMessage.Column.ColumnFlags.PartOfKey)}")),
                InsertMessage insert => $"I {insert.Relation.RelationId} new{await ValuesAsync(insert.NewRow)}",
                FullUpdateMessage full => $"U {full.Relation.RelationId} old{await ValuesAsync(full.OldRow)} new{await ValuesAsync(full.NewRow)}",
                IndexUpdateMessage key => $"U {key.Relation.RelationId} old{await ValuesAsync(key.Key)} new{await ValuesAsync(key.NewRow)}",
                UpdateMessage update => $"U {update.Relation.RelationId} new{await ValuesAsync(update.NewRow)}",
                FullDeleteMessage full => $"D {full.Relation.RelationId} old{await ValuesAsync(full.OldRow)}",
                KeyDeleteMessage key => $"D {key.Relation.RelationId} old{await ValuesAsync(key.Key)}",
                TruncateMessage truncate => $"T {string.Join(',', truncate.Relations.Select(r => r.RelationId))}",
                _ => "-",
            });
            if (message is CommitMessage && ++commits == Transactions.Length)
            {
                break;
            }
        }
        return lines;
    }

    private static async Task<List<string>> ReadWithDecoderAsync(LogicalReplicationConnection connection, PgOutputReplicationSlot slot)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var decoder = new PgOutputDecoder();
        var lines = new List<string>();
        var commits = 0;
        var buffer = new byte[1 << 20];
        await foreach (var message in connection.StartLogicalReplication(slot, timeout.Token, options: PgOutputDecoder.Options("decoded", 2)))
        {
            var length = 0;
            int read;
            while ((read = await message.Data.ReadAsync(buffer.AsMemory(length), timeout.Token)) > 0)
            {
                length += read;
            }
            var kind = decoder.Decode(buffer.AsSpan(0, length), message.WalEnd, out var change);
            lines.Add($"{message.WalEnd} " + kind switch
            {
                PgOutputMessageKind.Begin => "B",
                PgOutputMessageKind.Commit => $"C {change.TransactionEndLsn} {change.CommitTimestamp:O}",
                PgOutputMessageKind.Relation => Describe(decoder.LastRelation!.RelationId, decoder.LastRelation.Namespace, decoder.LastRelation.Name,
                    (char)decoder.LastRelation.ReplicaIdentity, decoder.LastRelation.Columns.Select(c => $"{c.Name}:{c.TypeOid}:{c.TypeModifier}:{c.IsKey}")),
                PgOutputMessageKind.Change => change.Kind switch
                {
                    ChangeKind.Insert => $"I {change.Relation!.RelationId} new{Values(change.NewRow)}",
                    ChangeKind.Update when change.OldRow.IsEmpty => $"U {change.Relation!.RelationId} new{Values(change.NewRow)}",
                    ChangeKind.Update => $"U {change.Relation!.RelationId} old{Values(change.OldRow)} new{Values(change.NewRow)}",
                    ChangeKind.Delete => $"D {change.Relation!.RelationId} old{Values(change.OldRow)}",
                    _ => $"T {string.Join(',', change.TruncatedRelations!.Select(r => r.RelationId))}",
                },
                _ => "-",
            });
            if (kind == PgOutputMessageKind.Commit && ++commits == Transactions.Length)
            {
                break;
            }
        }
        return lines;
    }

    private static string Describe(uint oid, string schema, string name, char replicaIdentity, IEnumerable<string> columns) =>
        $"R {oid} {schema}.{name} {replicaIdentity} {string.Join(' ', columns)}";

    private static async Task<string> ValuesAsync(ReplicationTuple tuple)
    {
        var values = new List<string>();
        await foreach (var value in tuple)
        {
            values.Add(value.Kind switch
            {
                TupleDataKind.Null => "n",
                TupleDataKind.UnchangedToastedValue => "u",
                _ => "t:" + await value.Get<string>(),
            });
        }
        return "[" + string.Join(' ', values) + "]";
    }

    /// <summary>A row as text: "[n u t:value …]" (NULL, unchanged TOAST, a value).</summary>
    internal static string Values(RowImage row) =>
        "[" + string.Join(' ', Enumerable.Range(0, row.ColumnCount).Select(i => row.GetKind(i) switch
        {
            ColumnValueKind.Null => "n",
            ColumnValueKind.UnchangedToast => "u",
            _ => "t:" + row.GetString(i),
        })) + "]";
}

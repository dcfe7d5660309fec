using System.Globalization;
using NpgsqlTypes;

namespace WalSync.Replication;

/// <summary>
/// Decodes pgoutput messages, the payloads of XLogData messages, into <see cref="ChangeEvent"/>s that own their data:
/// each text value is copied from the message bytes into the row's <see cref="RowImage"/>, with no object per value.
/// Keeps the relations by OID as Relation messages describe them. Not thread-safe: one decoder per stream.
/// </summary>
/// <remarks>
/// Message formats: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html. WalSync asks for
/// protocol 1 or 2 without two-phase; the messages of a streamed transaction, which carry a transaction id, are taken
/// by <see cref="StreamedTransactions"/> and come here at their commit in the form they have outside a stream.
/// </remarks>
internal sealed class PgOutputDecoder
{
    // Timestamps count microseconds from 2000-01-01 00:00 UTC.
    private static readonly DateTime PostgresEpoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly RowImageBuilder _builder = new();
    private readonly Dictionary<uint, RelationInfo> _relations = [];

    /// <summary>Binary forms by type OID when the stream was asked for binary values; null in text mode.</summary>
    private readonly IReadOnlyDictionary<uint, BinaryType>? _binaryTypes;

    /// <summary>Where the new rows of inserts and updates get their arrays; null: each its own.</summary>
    private readonly RowImagePool? _rows;

    /// <summary>The binary form of each column of <see cref="_formsOf"/> (null: none), by column number.</summary>
    private BinaryType?[] _forms = [];
    private RelationInfo? _formsOf;

    /// <summary>By column number of <see cref="_formsOf"/>: true for a key column.</summary>
    private bool[] _keys = [];

    /// <summary>Creates a decoder for a stream of text values, or of binary ones where <paramref name="binaryTypes"/> is given.</summary>
    /// <param name="binaryTypes">The binary forms of the published columns' types by OID (see <see cref="BinaryTypes"/>);
    /// null when the stream sends text.</param>
    /// <param name="rows">Where the new rows of inserts and updates get their arrays (the pipeline gives them back once
    /// their batch is flushed); null: each its own. Old rows and keys are not taken from it.</param>
    public PgOutputDecoder(IReadOnlyDictionary<uint, BinaryType>? binaryTypes = null, RowImagePool? rows = null)
    {
        _binaryTypes = binaryTypes;
        _rows = rows;
    }

    /// <summary>The transaction id of the last Begin, stamped on its Commit.</summary>
    private uint _transactionId;

    /// <summary>The prefix of the logical decoding messages WalSync writes as backfill watermarks.</summary>
    public const string WatermarkPrefix = "walsync_backfill";

    /// <summary>The relation of the last Relation message.</summary>
    public RelationInfo? LastRelation { get; private set; }

    /// <summary>The options of <c>START_REPLICATION</c> for pgoutput: text or binary values, and on protocol 2 logical
    /// decoding messages (so that heartbeats move the received position) and, when <paramref name="streaming"/>,
    /// transactions streamed while in progress once they outgrow <c>logical_decoding_work_mem</c>.</summary>
    /// <remarks>With <c>binary</c> (PostgreSQL 14+) each value goes through its type's send function instead of its
    /// output function, which costs the server less; a type without a send function still comes as text
    /// (https://www.postgresql.org/docs/15/protocol-logical-replication.html).</remarks>
    public static IEnumerable<KeyValuePair<string, string?>> Options(string publication, int protocolVersion, bool binary = false,
        bool streaming = false)
    {
        ArgumentNullException.ThrowIfNull(publication);
        yield return new("proto_version", protocolVersion.ToString(CultureInfo.InvariantCulture));
        yield return new("publication_names", "\"" + publication.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
        yield return new("binary", binary ? "true" : "false");
        if (protocolVersion >= 2)
        {
            yield return new("streaming", streaming ? "on" : "off");
            yield return new("messages", "true");
        }
    }

    /// <summary>Makes <paramref name="relation"/> known, e.g. from the catalog before its first Relation message.</summary>
    public void AddRelation(RelationInfo relation)
    {
        ArgumentNullException.ThrowIfNull(relation);
        _relations[relation.RelationId] = relation;
    }

    /// <summary>Decodes one message.</summary>
    /// <param name="message">The message bytes, starting with its type byte.</param>
    /// <param name="walEnd">The XLogData's WAL end, the LSN of a row change.</param>
    /// <param name="change">For <see cref="PgOutputMessageKind.Change"/> and <see cref="PgOutputMessageKind.Commit"/>, the change.</param>
    /// <exception cref="FormatException">The message is cut short or malformed.</exception>
    /// <exception cref="InvalidOperationException">A change names a relation no Relation message described, or a value came in binary.</exception>
    public PgOutputMessageKind Decode(ReadOnlySpan<byte> message, NpgsqlLogSequenceNumber walEnd, out ChangeEvent change)
    {
        change = default;
        var cursor = new PgOutputCursor(message);
        switch (cursor.ReadByte())
        {
            case (byte)'B':
                cursor.ReadInt64(); // the final LSN
                cursor.ReadInt64(); // the commit time
                _transactionId = (uint)cursor.ReadInt32();
                return PgOutputMessageKind.Begin;
            case (byte)'C':
                cursor.ReadByte(); // flags, unused
                cursor.ReadInt64(); // the commit record's own LSN
                var end = new NpgsqlLogSequenceNumber((ulong)cursor.ReadInt64());
                var committed = PostgresEpoch.AddTicks(cursor.ReadInt64() * TimeSpan.TicksPerMicrosecond);
                change = new ChangeEvent { Kind = ChangeKind.Commit, TransactionEndLsn = end, CommitTimestamp = committed, TransactionId = _transactionId };
                return PgOutputMessageKind.Commit;
            case (byte)'R':
                LastRelation = ReadRelation(ref cursor);
                _relations[LastRelation.RelationId] = LastRelation;
                return PgOutputMessageKind.Relation;
            case (byte)'I':
                var inserted = Relation(cursor.ReadOid());
                Expect(ref cursor, (byte)'N');
                change = new ChangeEvent { Kind = ChangeKind.Insert, Relation = inserted, NewRow = ReadTuple(ref cursor, inserted, _rows), Lsn = walEnd };
                return PgOutputMessageKind.Change;
            case (byte)'U':
                var updated = Relation(cursor.ReadOid());
                var part = cursor.ReadByte();
                var old = default(RowImage);
                if (part is (byte)'K' or (byte)'O')
                {
                    old = ReadTuple(ref cursor, updated);
                    part = cursor.ReadByte();
                }
                if (part != (byte)'N')
                {
                    throw Malformed('U', part);
                }
                change = new ChangeEvent { Kind = ChangeKind.Update, Relation = updated, OldRow = old, NewRow = ReadTuple(ref cursor, updated, _rows), Lsn = walEnd };
                return PgOutputMessageKind.Change;
            case (byte)'D':
                var deleted = Relation(cursor.ReadOid());
                var key = cursor.ReadByte();
                if (key is not ((byte)'K' or (byte)'O'))
                {
                    throw Malformed('D', key);
                }
                change = new ChangeEvent { Kind = ChangeKind.Delete, Relation = deleted, OldRow = ReadTuple(ref cursor, deleted), Lsn = walEnd };
                return PgOutputMessageKind.Change;
            case (byte)'T':
                var count = cursor.ReadInt32();
                cursor.ReadByte(); // CASCADE / RESTART IDENTITY: the relations are listed either way
                var truncated = new List<RelationInfo>(count);
                for (var i = 0; i < count; i++)
                {
                    truncated.Add(Relation(cursor.ReadOid()));
                }
                change = new ChangeEvent { Kind = ChangeKind.Truncate, TruncatedRelations = truncated, Lsn = walEnd };
                return PgOutputMessageKind.Change;
            case (byte)'M':
                return ReadMessage(ref cursor, walEnd, out change);
            case (byte)'Y' or (byte)'O':
                return PgOutputMessageKind.Ignored;
            default:
                return PgOutputMessageKind.Unknown;
        }
    }

    // Message: Int8 flags (1 = transactional), Int64 LSN, String prefix, Int32 length, Byte[n] content. Only WalSync's
    // watermarks matter; heartbeats and other writers' messages only move the received position.
    private static PgOutputMessageKind ReadMessage(ref PgOutputCursor cursor, NpgsqlLogSequenceNumber walEnd, out ChangeEvent change)
    {
        change = default;
        cursor.ReadByte();
        cursor.ReadInt64();
        if (cursor.ReadCString() != WatermarkPrefix)
        {
            return PgOutputMessageKind.Ignored;
        }
        var content = System.Text.Encoding.UTF8.GetString(cursor.ReadBytes(cursor.ReadInt32()));
        change = new ChangeEvent { Kind = ChangeKind.Watermark, Watermark = content, Lsn = walEnd };
        return PgOutputMessageKind.Change;
    }

    private RelationInfo Relation(uint oid) => _relations.TryGetValue(oid, out var relation) ? relation
        : throw new InvalidOperationException($"pgoutput sent a change of relation {oid} before describing it in a Relation message.");

    // TupleData: Int16 column count, then per column 'n' (NULL), 'u' (unchanged TOAST), 't' + Int32 length + text or
    // 'b' + Int32 length + binary; binary values are turned into their text form here, except those the row keeps binary.
    private RowImage ReadTuple(ref PgOutputCursor cursor, RelationInfo relation, RowImagePool? pool = null)
    {
        var columns = cursor.ReadInt16();
        _builder.Start(columns);
        for (var i = 0; i < columns; i++)
        {
            switch (cursor.ReadByte())
            {
                case (byte)'n':
                    _builder.AddNull();
                    break;
                case (byte)'u':
                    _builder.AddUnchangedToast();
                    break;
                case (byte)'t':
                    _builder.AddText(cursor.ReadBytes(cursor.ReadInt32()));
                    break;
                case (byte)'b':
                    AddBinary(cursor.ReadBytes(cursor.ReadInt32()), relation, i);
                    break;
                case var kind:
                    throw new FormatException($"pgoutput sent a tuple column of unknown kind '{(char)kind}'.");
            }
        }
        return _builder.Build(pool);
    }

    private void AddBinary(ReadOnlySpan<byte> value, RelationInfo relation, int column)
    {
        if (!ReferenceEquals(relation, _formsOf))
        {
            // Looked up once per relation, not once per value: a dictionary lookup per column cost ~1.5 % of a wide row's decoding.
            _forms = [.. relation.Columns.Select(c => _binaryTypes is not null && _binaryTypes.TryGetValue(c.TypeOid, out var f) ? f : (BinaryType?)null)];
            _keys = [.. relation.Columns.Select(c => c.IsKey)];
            _formsOf = relation;
        }
        if (column >= _forms.Length || _forms[column] is not { } form)
        {
            var type = column < relation.Columns.Count ? relation.Columns[column].TypeOid : 0;
            var name = column < relation.Columns.Count ? relation.Columns[column].Name : column.ToString(CultureInfo.InvariantCulture);
            throw new UnreadableBinaryValueException($"column {relation.QualifiedName}.{name} (type OID {type})");
        }
        // Key columns are read as text by every id, key and dead letter; the other columns of the forms rows keep stay
        // binary until the mapper writes them.
        if (_keys[column])
        {
            _builder.AddBinary(form, value, _binaryTypes!);
        }
        else
        {
            _builder.AddBinaryValue(form, value, _binaryTypes!);
        }
    }

    private static RelationInfo ReadRelation(ref PgOutputCursor cursor)
    {
        var oid = cursor.ReadOid();
        var schema = cursor.ReadCString();
        var name = cursor.ReadCString();
        var replicaIdentity = (ReplicaIdentity)cursor.ReadByte();
        var columns = new ColumnInfo[cursor.ReadInt16()];
        for (var i = 0; i < columns.Length; i++)
        {
            var isKey = (cursor.ReadByte() & 1) != 0;
            columns[i] = new ColumnInfo(cursor.ReadCString(), cursor.ReadOid(), cursor.ReadInt32(), isKey);
        }
        // An empty namespace means pg_catalog.
        return new RelationInfo(oid, schema.Length == 0 ? "pg_catalog" : schema, name, replicaIdentity, columns);
    }

    private static void Expect(ref PgOutputCursor cursor, byte part)
    {
        var actual = cursor.ReadByte();
        if (actual != part)
        {
            throw Malformed('I', actual);
        }
    }

    private static FormatException Malformed(char message, byte part) =>
        new($"pgoutput sent a '{message}' message with a tuple marked '{(char)part}'.");
}

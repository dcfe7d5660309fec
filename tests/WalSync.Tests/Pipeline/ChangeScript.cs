using Npgsql;
using NpgsqlTypes;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using static WalSync.Tests.Mapping.MappingTestData;

namespace WalSync.Tests.Pipeline;

/// <summary>Changes to one in-memory table, <c>items (k int key, note text, big text)</c>, written as pgoutput would
/// decode them, and the registry that maps it; nothing here touches PostgreSQL.</summary>
internal static class ChangeScript
{
    public static readonly RelationInfo Items = new(16384, "public", "items", ReplicaIdentity.Default,
        [new ColumnInfo("k", 23, -1, true), new ColumnInfo("note", 25, -1, false), new ColumnInfo("big", 25, -1, false)]);

    /// <summary><c>prices (k int key, price numeric)</c>: a price of NaN cannot become a document.</summary>
    public static readonly RelationInfo Prices = new(16385, "public", "prices", ReplicaIdentity.Default,
        [new ColumnInfo("k", 23, -1, true), new ColumnInfo("price", 1700, -1, false)]);

    /// <summary>A registry for <see cref="Items"/> into the collection <c>items</c>; its data source is never opened.</summary>
    /// <param name="prefix">Put before the collection names.</param>
    public static TableRegistry Registry(string prefix = "") => new(
        [
            new SourceTable(new TableOptions { Table = "public.items", Collection = prefix + "items" }, Items, ["k"], ["integer"], IsPartitioned: false),
            new SourceTable(new TableOptions { Table = "public.prices", Collection = prefix + "prices" }, Prices, ["k"], ["integer"], IsPartitioned: false),
        ],
        PgTypeCatalog.BuiltIn, NpgsqlDataSource.Create("Host=unused.invalid"));

    public static ChangeEvent Price(int key, string price) =>
        new() { Kind = ChangeKind.Insert, Relation = Prices, NewRow = Row(Text(key), price), Lsn = new NpgsqlLogSequenceNumber(1) };

    public static ChangeEvent Insert(int key, string note, string big = "large") =>
        new() { Kind = ChangeKind.Insert, Relation = Items, NewRow = Row(Text(key), note, big), Lsn = new NpgsqlLogSequenceNumber(1) };

    /// <summary>An update that leaves the TOASTed column <c>big</c> alone (sent as unchanged TOAST).</summary>
    public static ChangeEvent UpdateNote(int key, string note) =>
        new() { Kind = ChangeKind.Update, Relation = Items, NewRow = Row(Text(key), note, Unchanged), Lsn = new NpgsqlLogSequenceNumber(1) };

    /// <summary>An update that changes the key (old key tuple 'K').</summary>
    public static ChangeEvent Rekey(int from, int to, string note) =>
        new() { Kind = ChangeKind.Update, Relation = Items, OldRow = Row(Text(from), null, null), NewRow = Row(Text(to), note, "large"), Lsn = new NpgsqlLogSequenceNumber(1) };

    public static ChangeEvent Delete(int key) =>
        new() { Kind = ChangeKind.Delete, Relation = Items, OldRow = Row(Text(key), null, null), Lsn = new NpgsqlLogSequenceNumber(1) };

    public static ChangeEvent Commit(ulong end) => new() { Kind = ChangeKind.Commit, TransactionEndLsn = new NpgsqlLogSequenceNumber(end) };

    private static string Text(int key) => key.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

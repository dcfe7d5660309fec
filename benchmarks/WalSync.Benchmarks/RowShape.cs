using System.Text;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Benchmarks;

/// <summary>A table shape for the benchmarks: its relation, its key, and rows of text-form values as pgoutput sends them.</summary>
public sealed class RowShape
{
    private RowShape(string name, (string Name, uint TypeOid)[] columns, string key, Func<int, string?[]> row)
    {
        Name = name;
        Relation = new RelationInfo(16384, "public", name, ReplicaIdentity.Default,
            columns.Select(c => new ColumnInfo(c.Name, c.TypeOid, -1, c.Name == key)).ToArray());
        KeyColumns = [key];
        Table = new TableOptions { Table = "public." + name };
        Mapper = new DocumentMapper(Relation, KeyColumns, Table, PgTypeCatalog.BuiltIn);
        MakeValues = row;
    }

    /// <summary>The table name, also the benchmark parameter value.</summary>
    public string Name { get; }

    /// <summary>The relation as a Relation message describes it.</summary>
    internal RelationInfo Relation { get; }

    /// <summary>The primary key column.</summary>
    public string[] KeyColumns { get; }

    /// <summary>The table's configuration entry.</summary>
    public TableOptions Table { get; }

    /// <summary>An offline mapper (built-in types only).</summary>
    internal DocumentMapper Mapper { get; }

    private Func<int, string?[]> MakeValues { get; }

    /// <summary>
    /// The products table of the README: id uuid, product_name text, description text (~200 characters),
    /// price numeric(10,2), updated_at timestamptz, user_id uuid.
    /// </summary>
    public static RowShape Products { get; } = new("products",
        [("id", 2950), ("product_name", 25), ("description", 25), ("price", 1700), ("updated_at", 1184), ("user_id", 2950)],
        "id",
        i =>
        [
            Uuid(i, 0x1111), $"Product {i}", Description(i), $"{(i % 100_000) / 100}.{i % 100:00}",
            $"2024-03-{1 + (i % 28):00} 13:{i % 60:00}:16.{i % 1_000_000:000000}+00", Uuid(i, 0x2222),
        ]);

    /// <summary>A wide row of twenty columns covering every mapping kind, with a NULL and a string that needs escapes.</summary>
    public static RowShape Wide { get; } = new("wide",
        [
            ("id", 20), ("small", 21), ("count", 23), ("ratio", 700), ("score", 701), ("amount", 1700), ("active", 16),
            ("title", 1043), ("code", 1042), ("ref", 2950), ("created_at", 1184), ("local_at", 1114), ("day", 1082),
            ("attrs", 3802), ("sizes", 1007), ("tags", 1009), ("address", 869), ("blob", 17), ("span", 1186), ("note", 25),
        ],
        "id",
        i =>
        [
            (1_000_000_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture), (i % 30_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            i.ToString(System.Globalization.CultureInfo.InvariantCulture), "0.125", "3.141592653589793", $"{i}.50", (i & 1) == 0 ? "t" : "f",
            $"Title \"{i}\"\nsecond line", "AB   ", Uuid(i, 0x3333).ToUpperInvariant(), "2024-03-05 13:15:16.123456+01",
            "2024-03-05 13:15:16", "2024-03-05", "{\"color\": \"red\", \"size\": {\"w\": 10, \"h\": 20}}", "{1,2,3,4}",
            "{red,\"dark blue\",NULL}", "192.168.0.1/24", "\\xdeadbeef", "1 day 02:03:04", null,
        ]);

    /// <summary>The shapes every benchmark runs on.</summary>
    public static IReadOnlyList<RowShape> All => [Products, Wide];

    /// <summary>The text forms of row <paramref name="i"/> (null for NULL).</summary>
    public string?[] Values(int i) => MakeValues(i);

    /// <summary>Row <paramref name="i"/>'s values as UTF-8 bytes, as they sit in Npgsql's read buffer.</summary>
    public byte[]?[] ValueBytes(int i) => [.. Values(i).Select(v => v is null ? null : Encoding.UTF8.GetBytes(v))];

    /// <summary>Row <paramref name="i"/> as a row image.</summary>
    internal RowImage Row(int i)
    {
        var builder = new RowImageBuilder();
        var values = Values(i);
        builder.Start(values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                builder.AddNull();
            }
            else
            {
                builder.AddText(value);
            }
        }
        return builder.Build();
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static string Uuid(int i, int salt) => new Guid(i, (short)salt, (short)(i >> 16), 0x8a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71).ToString();

    private static string Description(int i)
    {
        var text = $"Item {i}: a sturdy, well made product with a long description that search users will match on, " +
            "covering materials, sizes, colours and care instructions; shipped in recyclable packaging worldwide.";
        return text.Length > 200 ? text[..200] : text.PadRight(200, '.');
    }
}

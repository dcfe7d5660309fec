using System.Globalization;

namespace WalSync.Tests.Convergence;

/// <summary>
/// The oracle's three tables. <c>kinds</c> has a column of every type in the README's type table (scalars, 1-D arrays,
/// json, the text-form types, domains), a bigint key named <c>id</c>, TOASTed text and jsonb and a soft-delete column.
/// <c>pairs</c> has a composite text/int key whose text holds the id escapes (<c>|</c>, <c>\</c>) and the characters
/// delete-by-filter cannot take, and ExcludeColumns (one of them holding 2-D arrays). <c>events</c> is partitioned
/// (published through its root) with a composite key that moves rows between partitions, and Tables[].Columns; a
/// partition with rows is attached to it and later detached. Some columns added mid-stream have a default.
/// </summary>
internal static class OracleTables
{
    /// <summary>Types the tables use; run once per database.</summary>
    public const string TypesSql = """
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
        CREATE TYPE pair AS (a integer, b text);
        CREATE DOMAIN price AS numeric(10,2);
        CREATE DOMAIN big AS bigint;
        CREATE DOMAIN nested AS big;
        """;

    /// <summary>The kinds columns whose types WalSync reads only as text: with any of them published, the stream is text.</summary>
    private static readonly HashSet<string> TextOnlyTypes = ["point", "money", "xml", "int4range", "pair", "box[]"];

    /// <summary>Fresh instances of the three tables (their key sets and column lists change during a run).</summary>
    /// <param name="binaryOnly">Leave out the columns of types WalSync reads only as text, so that the stream can be binary.</param>
    public static OracleTable[] Create(bool binaryOnly = false) => [Kinds(binaryOnly), Pairs(), Events()];

    private static OracleTable Kinds(bool binaryOnly)
    {
        List<OracleColumn> columns =
        [
            OracleColumn.Scalar("i2", "smallint", v => v.Int16()),
            OracleColumn.Scalar("i4", "integer", v => v.Int32()),
            OracleColumn.Scalar("i8", "bigint", v => v.Int64()),
            OracleColumn.Scalar("r", "real", v => v.Real()),
            OracleColumn.Scalar("d", "double precision", v => v.Double()),
            OracleColumn.Scalar("n", "numeric", v => v.Numeric()),
            OracleColumn.Scalar("b", "boolean", v => v.Bool()),
            OracleColumn.Scalar("t", "text", v => v.Text()),
            OracleColumn.Scalar("vc", "varchar(12)", v => v.Text("varchar(12)", 12)),
            OracleColumn.Scalar("c", "char(5)", v => v.Text("char(5)", 5)),
            OracleColumn.Scalar("ci", "citext", v => v.Text("citext")),
            OracleColumn.Scalar("nm", "name", v => v.Text("name", 20)),
            OracleColumn.Scalar("m", "mood", v => v.Mood()),
            OracleColumn.Scalar("u", "uuid", v => v.Uuid()),
            OracleColumn.Scalar("tstz", "timestamptz", v => v.TimestampTz(), Expect.Epoch),
            OracleColumn.Scalar("ts", "timestamp", v => v.Timestamp(), Expect.Epoch),
            OracleColumn.Scalar("dt", "date", v => v.Date(), Expect.Epoch),
            OracleColumn.Scalar("j", "json", v => v.Json("json"), Expect.Json),
            OracleColumn.Scalar("jb", "jsonb", v => v.Chance(0.2) ? v.BigJson() : v.Json("jsonb"), Expect.Json),
            OracleColumn.ArrayOf("i2a", "smallint", v => v.Int16()),
            new("i4a", "integer[]", v => v.Chance(0.1) ? "'[0:2]={7,NULL,9}'::integer[]" : v.Array(v.Int32, "integer[]"), ExpectedSql.Array("i4a", Expect.Value)),
            OracleColumn.ArrayOf("i8a", "bigint", v => v.Int64()),
            OracleColumn.ArrayOf("ra", "real", v => v.Real()),
            OracleColumn.ArrayOf("da", "double precision", v => v.Double()),
            OracleColumn.ArrayOf("na", "numeric", v => v.Numeric()),
            OracleColumn.ArrayOf("ba", "boolean", v => v.Bool()),
            OracleColumn.ArrayOf("ta", "text", v => v.Text()),
            OracleColumn.ArrayOf("vca", "varchar(12)", v => v.Text("varchar(12)", 12)),
            OracleColumn.ArrayOf("ua", "uuid", v => v.Uuid()),
            OracleColumn.ArrayOf("ma", "mood", v => v.Mood()),
            OracleColumn.ArrayOf("tstza", "timestamptz", v => v.TimestampTz(), Expect.Epoch),
            OracleColumn.ArrayOf("tsa", "timestamp", v => v.Timestamp(), Expect.Epoch),
            OracleColumn.ArrayOf("dta", "date", v => v.Date(), Expect.Epoch),
            OracleColumn.ArrayOf("ja", "json", v => v.Json("json"), Expect.Json),
            OracleColumn.ArrayOf("jba", "jsonb", v => v.Json("jsonb"), Expect.Json),
            OracleColumn.Scalar("tm", "time", v => v.Time(), Expect.TextForm),
            OracleColumn.Scalar("iv", "interval", v => v.Interval(), Expect.TextForm),
            OracleColumn.Scalar("ip", "inet", v => v.Inet(), Expect.TextForm),
            OracleColumn.Scalar("by", "bytea", v => v.Bytea(), Expect.TextForm),
            OracleColumn.Scalar("pt", "point", v => v.Point(), Expect.TextForm),
            OracleColumn.Scalar("mn", "money", v => v.Money(), Expect.TextForm),
            OracleColumn.Scalar("x", "xml", v => v.Xml(), Expect.TextForm),
            OracleColumn.Scalar("rg", "int4range", v => v.Range(), Expect.TextForm),
            OracleColumn.Scalar("cp", "pair", v => v.Pair(), Expect.TextForm),
            OracleColumn.ArrayOf("bx", "box", v => v.Box(), Expect.TextForm),
            OracleColumn.ArrayOf("iva", "interval", v => v.Interval(), Expect.TextForm),
            OracleColumn.Scalar("p", "price", v => v.Price()),
            OracleColumn.ArrayOf("pa", "price", v => v.Price()),
            OracleColumn.Scalar("ne", "nested", v => v.Int64()),
            OracleColumn.Scalar("big", "text", v => v.BigText()),
            OracleColumn.Scalar("deleted", "boolean", v => v.Bool()),
        ];
        columns.RemoveAll(c => binaryOnly && TextOnlyTypes.Contains(c.SqlType));
        return new OracleTable
        {
            Name = "kinds",
            CreateSql = $"""
                CREATE TABLE kinds (id bigint PRIMARY KEY, {string.Join(", ", columns.Select(c => $"{c.Name} {c.SqlType}"))});
                ALTER TABLE kinds ALTER COLUMN big SET STORAGE EXTERNAL, ALTER COLUMN jb SET STORAGE EXTERNAL;
                """,
            IdentityTargets = ["kinds"],
            KeyColumns = [OracleColumn.Scalar("id", "bigint", v => v.Int64())],
            NewKey = v => [v.Random.NextInt64(-1_000_000_000_000L, 1_000_000_000_000L).ToString(CultureInfo.InvariantCulture)],
            IdExpression = "id::text",
            Columns = columns,
            LaterColumns = [OracleColumn.Scalar("extra", "integer", v => v.Int32()).WithDefault("7"), OracleColumn.ArrayOf("extra_tags", "text", v => v.Text())],
            BigColumn = "big",
            SoftDeleteColumn = "deleted",
            RowFilters = ("id % 3 <> 0", "i4 IS NULL OR i4 % 2 = 0"),
        };
    }

    private static OracleTable Pairs() => new()
    {
        Name = "pairs",
        CreateSql = """
            CREATE TABLE pairs (k1 text, k2 integer, v integer, note text, secret text, grid integer[], tags text[], big text, PRIMARY KEY (k1, k2));
            ALTER TABLE pairs ALTER COLUMN big SET STORAGE EXTERNAL;
            """,
        IdentityTargets = ["pairs"],
        KeyColumns = [OracleColumn.Scalar("k1", "text", v => v.Text()), OracleColumn.Scalar("k2", "integer", v => v.Int32())],
        NewKey = v => [OracleValues.Quote(v.TextValue(10)), v.Random.Next(-5, 40).ToString(CultureInfo.InvariantCulture)],
        IdExpression = ExpectedSql.CompositeId("k1", "k2"),
        Columns =
        [
            OracleColumn.Scalar("v", "integer", v => v.Int32()),
            OracleColumn.Scalar("note", "text", v => v.Text()),
            OracleColumn.Scalar("secret", "text", v => v.Text()).NotAField(),
            // 2-D arrays cannot be documents: the column is excluded, and the rest of the row syncs.
            new OracleColumn("grid", "integer[]", v => v.Chance(0.5) ? "'{{1,2},{3,4}}'::integer[]" : v.Array(v.Int32, "integer[]"), "NULL", IsField: false),
            OracleColumn.ArrayOf("tags", "text", v => v.Text()),
            OracleColumn.Scalar("big", "text", v => v.BigText()),
        ],
        LaterColumns = [OracleColumn.ArrayOf("added_on", "date", v => v.Date(), Expect.Epoch).WithDefault("'{2001-02-03,NULL}'")],
        BigColumn = "big",
        ExcludeColumns = ["secret", "grid"],
        RowFilters = ("k2 % 2 = 0", "v IS NULL OR v % 2 = 0"),
    };

    private static OracleTable Events() => new()
    {
        Name = "events",
        CreateSql = """
            CREATE TABLE events (region text, id integer, kind mood, payload jsonb, at timestamptz, note text, big text,
                PRIMARY KEY (region, id)) PARTITION BY LIST (region);
            CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
            CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
            CREATE TABLE events_rest PARTITION OF events DEFAULT;
            ALTER TABLE events ALTER COLUMN big SET STORAGE EXTERNAL;
            """,
        IdentityTargets = ["events", "events_eu", "events_us", "events_rest"],
        KeyColumns = [OracleColumn.Scalar("region", "text", v => v.Text()), OracleColumn.Scalar("id", "integer", v => v.Int32())],
        NewKey = v => [OracleValues.Quote(v.Pick(["eu", "us", "apac", "mars"])), v.Random.Next(1, 60).ToString(CultureInfo.InvariantCulture)],
        IdExpression = ExpectedSql.CompositeId("region", "id"),
        Columns =
        [
            OracleColumn.Scalar("kind", "mood", v => v.Mood()),
            OracleColumn.Scalar("payload", "jsonb", v => v.Json("jsonb"), Expect.Json),
            OracleColumn.Scalar("at", "timestamptz", v => v.TimestampTz(), Expect.Epoch),
            OracleColumn.Scalar("note", "text", v => v.Text()).NotAField(),
            OracleColumn.Scalar("big", "text", v => v.BigText()),
        ],
        LaterColumns = [OracleColumn.Scalar("ignored", "text", v => v.Text()).NotAField()],
        SparePartitionValue = "'asia'",
        BigColumn = "big",
        OnlyColumns = ["kind", "payload", "at", "big"],
        RowFilters = ("region <> 'mars'", null),
    };
}

namespace WalSync.LoadHarness;

/// <summary>
/// A throughput workload on the products table: SQL that prepares the database (before the slots exist, so it is
/// not streamed), SQL that writes the stream, and a last transaction whose commit ends it.
/// </summary>
/// <param name="Name">Short name, used by <c>--only</c>.</param>
/// <param name="Description">What it writes, for the table.</param>
/// <param name="Changes">Row changes (inserts, updates, deletes) in the stream.</param>
/// <param name="PrepareSql">Run before the slots are created; may be empty.</param>
/// <param name="StreamSql">The stream except its last transaction (run outside a transaction block, so a DO block may COMMIT); may be empty.</param>
/// <param name="LastTransactionSql">The statements of the last transaction; its commit's end LSN ends the workload.</param>
/// <param name="Tables">The published tables of the public schema, each into the collection of its name.</param>
/// <param name="Schema">Creates the tables and the publication <c>walsync</c>.</param>
internal sealed record Workload(string Name, string Description, long Changes, string PrepareSql, string StreamSql, string LastTransactionSql,
    IReadOnlyList<string> Tables, string Schema)
{
    /// <summary>A workload on the products table alone.</summary>
    public Workload(string name, string description, long changes, string prepareSql, string streamSql, string lastTransactionSql)
        : this(name, description, changes, prepareSql, streamSql, lastTransactionSql, ["products"], SchemaSql)
    {
    }

    /// <summary>How many tables the many-tables workload publishes.</summary>
    public const int ManyTables = 100;

    /// <summary>The products table of the README.</summary>
    public const string ProductsTableSql = """
        CREATE TABLE products (
            id uuid PRIMARY KEY,
            product_name text NOT NULL,
            description text,
            price numeric(10,2),
            updated_at timestamptz NOT NULL DEFAULT now(),
            user_id uuid);
        """;

    /// <summary>The products table and its publication.</summary>
    public const string SchemaSql = ProductsTableSql + """
        CREATE PUBLICATION walsync FOR TABLE products WITH (publish_via_partition_root = true);
        """;

    /// <summary>The column values of product number <c>g</c> (an integer expression in scope): a 200-character description.</summary>
    public const string RowValues = """
        gen_random_uuid(), 'Product ' || g, rpad('Item ' || g || ': ' || md5(g::text) || ' ', 200, 'a sturdy, well made product '),
        round((random() * 1000)::numeric, 2), now(), gen_random_uuid()
        """;

    /// <summary>A table of twenty columns, one or more of every kind of value WalSync maps (the micro-benchmarks' wide
    /// row), and its publication.</summary>
    public const string WideSchemaSql = """
        CREATE TABLE wide (
            id bigint PRIMARY KEY, small smallint, count integer, ratio real, score double precision, amount numeric(12,2),
            active boolean, title varchar(80), code char(5), ref uuid, created_at timestamptz, local_at timestamp, day date,
            attrs jsonb, sizes integer[], tags text[], address inet, blob bytea, span interval, note text);
        CREATE PUBLICATION walsync FOR TABLE wide WITH (publish_via_partition_root = true);
        """;

    /// <summary>The column values of wide row number <c>g</c>: a string that needs escapes, and a NULL.</summary>
    public const string WideRowValues = """
        1000000000000 + g, (g % 30000)::smallint, g, 0.125, 3.141592653589793, g + 0.5, g % 2 = 0,
        'Title "' || g || '"' || chr(10) || 'second line', 'AB', md5(g::text)::uuid, '2024-03-05 13:15:16.123456+01',
        '2024-03-05 13:15:16', '2024-03-05', '{"color": "red", "size": {"w": 10, "h": 20}}', '{1,2,3,4}',
        '{red,"dark blue",NULL}', '192.168.0.1/24', '\xdeadbeef', '1 day 02:03:04', NULL
        """;

    /// <summary>The workloads, at full size or at a tenth of it; the big transaction has <paramref name="bigRows"/> inserts when given.</summary>
    public static IReadOnlyList<Workload> All(bool quick, int? bigRows = null)
    {
        var scale = quick ? 10 : 1;
        var big = bigRows ?? 1_000_000 / scale;
        var singleRows = 200_000 / scale;
        var mixedTransactions = 50_000 / scale;
        var wideRows = 500_000 / scale;
        return
        [
            new("big-transaction", $"1 transaction of {big:N0} inserts", big, "", "",
                $"INSERT INTO products SELECT {RowValues} FROM generate_series(1, {big}) g"),
            new("single-row", $"{singleRows:N0} single-row insert transactions", singleRows, "",
                $"DO $$ BEGIN FOR g IN 1..{singleRows - 1} LOOP INSERT INTO products SELECT {RowValues}; COMMIT; END LOOP; END $$",
                $"INSERT INTO products SELECT {RowValues} FROM generate_series({singleRows}, {singleRows}) g"),
            Mixed(mixedTransactions),
            Many(singleRows),
            new("wide-rows", $"1 transaction of {wideRows:N0} inserts of a 20-column row", wideRows, "", "",
                "INSERT INTO wide SELECT " + WideRowValues + $" FROM generate_series(1, {wideRows}) g", ["wide"], WideSchemaSql),
        ];
    }

    // The single-row workload spread over ManyTables copies of the products table, one after another (row g goes to
    // table g % ManyTables), each published and each into a collection of its own.
    private static Workload Many(int rows)
    {
        var tables = Enumerable.Range(0, ManyTables).Select(i => $"products_{i:D3}").ToList();
        var schema = ProductsTableSql + string.Concat(tables.Select(t => $"CREATE TABLE {t} (LIKE products INCLUDING ALL);\n")) +
            "DROP TABLE products;\n" + $"CREATE PUBLICATION walsync FOR TABLE {string.Join(", ", tables)} WITH (publish_via_partition_root = true);";
        string Insert(string g) =>
            $"EXECUTE format('INSERT INTO products_%s SELECT {RowValues.Replace("'", "''", StringComparison.Ordinal).ReplaceLineEndings(" ")} FROM (SELECT $1 AS g) s', " +
            $"lpad(({g} % {ManyTables})::text, 3, '0')) USING {g};";
        return new("many-tables", $"{rows:N0} single-row insert transactions over {ManyTables} tables", rows, "",
            $"DO $$ BEGIN FOR g IN 1..{rows - 1} LOOP {Insert("g")} COMMIT; END LOOP; END $$",
            $"DO $$ BEGIN {Insert(rows.ToString(System.Globalization.CultureInfo.InvariantCulture))} END $$", tables, schema);
    }

    // Each transaction inserts 3 rows, updates 2 prepared rows and deletes 1: updates take prepared rows from the
    // front (by id), deletes from the back, so none touches a row twice.
    private static Workload Mixed(int transactions)
    {
        var prepared = transactions * 3;
        var last = transactions - 1;
        return new("mixed", $"{transactions:N0} transactions of 3 inserts, 2 updates, 1 delete", transactions * 6L,
            $"INSERT INTO products SELECT {RowValues} FROM generate_series(-{prepared}, -1) g",
            $"""
            DO $$
            DECLARE ids uuid[] := ARRAY(SELECT id FROM products ORDER BY id);
            BEGIN
              FOR t IN 0..{last - 1} LOOP
                INSERT INTO products SELECT {RowValues} FROM generate_series(t * 3 + 1, t * 3 + 3) g;
                UPDATE products SET price = price + 1, updated_at = now() WHERE id = ids[t * 2 + 1] OR id = ids[t * 2 + 2];
                DELETE FROM products WHERE id = ids[{prepared} - t];
                COMMIT;
              END LOOP;
            END $$
            """,
            $"""
            INSERT INTO products SELECT {RowValues} FROM generate_series({(last * 3) + 1}, {(last * 3) + 3}) g;
            UPDATE products SET price = price + 1, updated_at = now()
              WHERE id IN (SELECT id FROM products WHERE product_name LIKE 'Product -%' ORDER BY id OFFSET {last * 2} LIMIT 2);
            DELETE FROM products WHERE id = (SELECT id FROM products WHERE product_name LIKE 'Product -%' ORDER BY id DESC LIMIT 1);
            """);
    }
}

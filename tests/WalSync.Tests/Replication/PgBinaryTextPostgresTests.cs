using Npgsql;
using NpgsqlTypes;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

/// <summary>
/// Binary values turned back into text against PostgreSQL's own text output: the same slot's changes are read twice,
/// once as text and once in binary (<c>pg_logical_slot_peek_binary_changes</c>, the session pinned as WalSync pins its
/// own), and every decoded row must be the same, byte for byte. The values are the edges of each type's output function.
/// </summary>
public class PgBinaryTextPostgresTests
{
    private const string Schema = """
        CREATE TYPE mood AS ENUM ('happy', 'sad', 'NULL');
        CREATE DOMAIN price AS numeric(10,2);
        CREATE DOMAIN big AS bigint;
        CREATE DOMAIN nested AS big;
        CREATE TABLE kinds (
            id serial PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, o oid, f4 real, f8 double precision,
            n numeric, n4 numeric(12,4), t text, vc varchar(20), bc char(5), nm name, m mood, p price, ne nested,
            j json, jb jsonb, u uuid, d date, tm time, ts timestamp, tz timestamptz, by bytea,
            i4a integer[], ta text[], na numeric[], tza timestamptz[], ba boolean[], jba jsonb[], bya bytea[], da date[],
            ma mood[], f8a double precision[], pa price[], ip inet, cr cidr, iv interval, ipa inet[], iva interval[]);
        CREATE PUBLICATION values_pub FOR TABLE kinds;
        """;

    // Each entry: a column and the values to try in it, one row per value.
    private static readonly (string Column, string[] Values)[] Cases =
    [
        ("b", ["true", "false"]),
        ("i2", ["0", "-32768", "32767"]),
        ("i4", ["0", "-2147483648", "2147483647", "-1"]),
        ("i8", ["0", "-9223372036854775808", "9223372036854775807"]),
        ("o", ["0", "4294967295"]),
        ("f4", ["0", "'-0'", "1.1", "0.1", "123456", "1234567", "16777216", "0.0001", "0.00001", "3.4028235e38", "1e-45", "'NaN'",
            "'Infinity'", "'-Infinity'", "-2.5", "100000", "1e6", "1.5e-5"]),
        ("f8", ["0", "'-0'", "1", "-1.5", "0.1", "1e15", "1e14", "123456789012345.6", "1234567890123456", "0.0001", "0.00001",
            "1.2345e-300", "1.7976931348623157e308", "5e-324", "'NaN'", "'Infinity'", "'-Infinity'", "3.141592653589793",
            "1e22", "0.3333333333333333", "100", "2.5e-5"]),
        ("n", ["0", "0.00", "-0.5", "1.50", "12345678901234567890.1234567890", "1e100", "0.000000001", "-123.456", "'NaN'",
            "'Infinity'", "'-Infinity'", "10000", "9999.9999", "100000000", "0.0001000", "1e-20", "-0.00012", "123456789.000000001"]),
        ("n4", ["0", "1", "-99999999.9999", "0.0001"]),
        ("t", ["''", "'NULL'", "'null'", "'a b'", "'a,b'", "'{x}'", "'quo\"te'", "E'back\\\\slash'", "'h\u00e9llo \U0001F600'",
            "E'tab\\tnew\\nline'"]),
        ("vc", ["'short'", "''"]),
        ("bc", ["'ab'", "'abcde'"]),
        ("nm", ["'a_name'"]),
        ("m", ["'happy'", "'NULL'"]),
        ("p", ["12.30", "-0.01"]),
        ("ne", ["42", "-9223372036854775808"]),
        ("j", ["'{\"a\":  [1, 2]}'", "'\"x\"'", "'null'"]),
        ("jb", ["'{\"b\": 1, \"a\": \"x\\\"y\"}'", "'[]'", "'12.50'"]),
        ("u", ["'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"]),
        ("d", ["'2024-02-29'", "'0001-01-01'", "'0044-03-15 BC'", "'4713-01-01 BC'", "'5874897-12-31'", "'infinity'", "'-infinity'",
            "'1999-12-31'", "'2000-01-01'", "'1900-02-28'", "'0001-12-31 BC'"]),
        ("tm", ["'00:00'", "'23:59:59.999999'", "'24:00:00'", "'12:34:56.7'", "'01:02:03.000450'"]),
        ("ts", ["'2024-02-29 13:14:15.123456'", "'2000-01-01 00:00:00'", "'1999-12-31 23:59:59.999999'", "'0044-03-15 12:00:00 BC'",
            "'294276-12-31 23:59:59.999999'", "'4713-01-01 00:00:00 BC'", "'infinity'", "'-infinity'", "'1970-01-01 00:00:00.5'",
            "'10000-01-01 00:00'", "'1899-12-31 23:00:00.01'"]),
        ("tz", ["'2024-06-01 12:00:00+05:30'", "'2000-01-01 00:00:00+00'", "'0044-03-15 12:00:00+00 BC'", "'infinity'", "'-infinity'",
            "'1969-12-31 23:59:59.999999+00'", "'294276-12-31 23:59:59.999999+00'"]),
        ("by", ["'\\x'", "'\\x00ff10'", "'abc'::bytea"]),
        ("i4a", ["'{}'", "'{1,NULL,3}'", "'[0:2]={1,2,3}'", "'{{1,2},{3,4}}'", "'{{{1},{2}},{{3},{4}}}'", "'[-2:-1][3:4]={{1,2},{3,4}}'"]),
        ("ta", ["ARRAY['', 'NULL', 'nULl', 'a b', 'q\"', E'back\\\\slash', '{x}', 'x,y', 'plain', E'tab\\there', NULL]", "'{}'"]),
        ("na", ["'{1.5,NaN,-0.001,1e30}'"]),
        ("tza", ["'{\"2024-01-01 00:00:00+00\",\"0044-03-15 12:00:00+00 BC\",infinity}'"]),
        ("ba", ["'{t,f,NULL}'"]),
        ("jba", ["ARRAY['{\"a\": 1}'::jsonb, '\"s p\"'::jsonb, 'null'::jsonb]"]),
        ("bya", ["ARRAY['\\x01'::bytea, '\\x'::bytea]"]),
        ("da", ["'{2024-01-01,\"0044-03-15 BC\",-infinity}'"]),
        ("ma", ["'{happy,NULL,\"NULL\"}'"]),
        ("f8a", ["'{0.1,1e20,-0,NaN,-Infinity}'"]),
        ("pa", ["'{1.00,NULL}'"]),
        ("ip", ["'192.168.0.1'", "'192.168.0.1/24'", "'0.0.0.0/0'", "'255.255.255.255/31'", "'::'", "'::1'", "'::1/64'", "'1::'",
            "'2001:db8::1'", "'2001:db8:0:0:1:0:0:1'", "'2001:0:0:1:0:0:0:1'", "'1:0:2:3:4:5:6:7'", "'0:1:2:3:4:5:6:7'",
            "'1:2:3:4:5:6:7:8/128'", "'::ffff:1.2.3.4'", "'::ffff:1.2.3.4/120'", "'::1.2.3.4'", "'::0.1.0.0'", "'::ffff:0:0'",
            "'0:0:0:0:0:1:102:304'", "'fe80::abcd:0:0:1/10'", "'ABCD:EF01::'"]),
        ("cr", ["'10.0.0.0/8'", "'192.168.1.1/32'", "'0.0.0.0/0'", "'::/0'", "'2001:db8::/32'", "'::1/128'", "'::ffff:1.2.3.0/120'"]),
        ("iv", ["'0'", "'1 day 02:03:04'", "'-1 days +02:00:00'", "'1 year 2 mons'", "'-1 years -2 mons'", "'1 year -1 mons'",
            "'3 mons -4 days 05:06:07.5'", "'-00:00:00.000001'", "'1234:00:00'", "'00:00:01.100'", "'1 mon'", "'1 day'", "'-1 day'",
            "'01:02:03.123456'", "'2 days -01:00:00'", "'-2 days -01:02:03.4'", "'178000000 years'", "'-178000000 years'",
            "'12 mons'", "'-12 mons 1 day'", "'2562047788:00:54.775807'", "'-2562047788:00:54.775807'", "'-1 days -2562047787:00:00'"]),
        ("ipa", ["'{192.168.0.1/24,::1,NULL}'"]),
        ("iva", ["'{\"1 day 02:00:00\",-00:00:01,NULL}'"]),
    ];

    [Fact]
    public async Task Decode_BinaryStream_SameRowsAsTextStream()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = SessionSettings.Apply(await server.CreateDatabaseAsync("binary"), "walsync-tests");
        await PostgresServer.ExecuteAsync(connectionString, Schema);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var slot = "binary_" + Environment.ProcessId;
        // The slot is peeked up to the WAL flushed: each commit must flush, whatever the test server's default.
        await Execute(connection, "SET synchronous_commit = on");
        await Execute(connection, $"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput', true)");
        var rows = 0;
        foreach (var (column, values) in Cases)
        {
            foreach (var value in values)
            {
                await Execute(connection, $"INSERT INTO kinds ({column}) VALUES ({value})");
                rows++;
            }
        }
        if (connection.PostgreSqlVersion.Major >= 17)
        {
            // Infinite intervals exist since PostgreSQL 17.
            await Execute(connection, "INSERT INTO kinds (iv) VALUES ('infinity'), ('-infinity')");
            rows += 2;
        }
        // An update carries old (key) and new rows; the whole row of every type at once.
        await Execute(connection, "UPDATE kinds SET id = id + 1000 WHERE id = 1");
        await Execute(connection, $"INSERT INTO kinds ({string.Join(", ", Cases.Select(c => c.Column))}) " +
            $"VALUES ({string.Join(", ", Cases.Select(c => c.Values[^1]))})");

        var decision = await BinaryTypes.ReadAsync(connection, "values_pub", CancellationToken.None);
        Assert.Null(decision.TextBecause);
        var types = await WalSync.Mapping.PgTypeCatalog.LoadAsync(connection, CancellationToken.None);
        var text = await DecodeAsync(connection, slot, binary: null, types);
        var binary = await DecodeAsync(connection, slot, decision.Types, types);

        Assert.Equal(rows + 1, text.Count(line => line.StartsWith("I ", StringComparison.Ordinal)));
        Assert.Contains(text, line => line.StartsWith("U ", StringComparison.Ordinal));
        Assert.Equal(text.Count, binary.Count);
        for (var i = 0; i < text.Count; i++)
        {
            Assert.Equal(text[i], binary[i]);
        }
    }

    /// <summary>A backfill's page read as a binary COPY gives the same rows as the text query.</summary>
    [Fact]
    public async Task ReadPagesAsync_BinaryCopy_SameRowsAsTextQuery()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = SessionSettings.Apply(await server.CreateDatabaseAsync("binary_copy"), "walsync-tests");
        await PostgresServer.ExecuteAsync(connectionString, Schema);
        foreach (var (column, values) in Cases)
        {
            await PostgresServer.ExecuteAsync(connectionString, string.Concat(values.Select(v => $"INSERT INTO kinds ({column}) VALUES ({v});")));
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var options = new WalSync.Configuration.PostgresOptions { ConnectionString = connectionString, Publication = "values_pub" };
        await using var source = new SourceDatabase(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var table = await source.DescribeTableAsync(new WalSync.Configuration.TableOptions { Table = "public.kinds" }, CancellationToken.None);
        var decision = await BinaryTypes.ReadAsync(connection, "values_pub", CancellationToken.None);

        var text = new WalSync.Pipeline.BackfillChunk("text", null!);
        var binary = new WalSync.Pipeline.BackfillChunk("binary", null!);
        var textProgress = await new WalSync.Backfill.ChunkReader(table).ReadPagesAsync(connection, text, null, 100_000, CancellationToken.None);
        var binaryProgress = await new WalSync.Backfill.ChunkReader(table, decision.Types).ReadPagesAsync(connection, binary, null, 100_000, CancellationToken.None);

        Assert.Equal(Cases.Sum(c => c.Values.Length), text.Rows.Count);
        Assert.Equal(textProgress, binaryProgress);
        Assert.NotNull(binary.Snapshot);
        Assert.Equal(text.Rows.Select(PgOutputDecoderPostgresTests.Values), binary.Rows.Select(PgOutputDecoderPostgresTests.Values));
        var mapper = new WalSync.Mapping.DocumentMapper(table.Relation, table.KeyColumns, table.Options,
            await WalSync.Mapping.PgTypeCatalog.LoadAsync(connection, CancellationToken.None));
        Assert.Contains(binary.Rows, row => Enumerable.Range(0, row.ColumnCount).Any(i => row.TryGetBinary(i, out _, out _)));
        Assert.Equal(text.Rows.Select(row => Document(mapper, row)), binary.Rows.Select(row => Document(mapper, row)));
    }

    [Fact]
    public async Task ReadAsync_PublishedColumnOfTypeWithoutBinaryReader_AsksForTextNamingTheColumn()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("binary_text");
        await PostgresServer.ExecuteAsync(connectionString, """
            CREATE TABLE hosts (id int PRIMARY KEY, tags text[], location point);
            CREATE TABLE plain (id int PRIMARY KEY, spans int4range[]);
            CREATE PUBLICATION hosts_pub FOR TABLE hosts;
            CREATE PUBLICATION plain_pub FOR TABLE plain;
            """);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        var hosts = await BinaryTypes.ReadAsync(connection, "hosts_pub", CancellationToken.None);
        var plain = await BinaryTypes.ReadAsync(connection, "plain_pub", CancellationToken.None);

        Assert.Null(hosts.Types);
        Assert.Equal("column public.hosts.location has type point, which WalSync reads only as text", hosts.TextBecause);
        Assert.Null(plain.Types);
        Assert.Contains("plain.spans has type int4range[]", plain.TextBecause, StringComparison.Ordinal);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The document the mapper writes for <paramref name="row"/>, or the reason it writes none.</summary>
    private static string Document(WalSync.Mapping.DocumentMapper mapper, RowImage row)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var result = mapper.WriteDocument(row, output, partial: false);
        return result.Success ? System.Text.Encoding.UTF8.GetString(output.WrittenSpan) : "error: " + result.Error;
    }

    /// <summary>Every message of the slot, peeked in text or binary and decoded, as lines: the values, and the new
    /// row's document (the binary rows keep some values binary, which the mapper writes without their text).</summary>
    private static async Task<List<string>> DecodeAsync(NpgsqlConnection connection, string slot, IReadOnlyDictionary<uint, BinaryType>? binary,
        WalSync.Mapping.PgTypeCatalog types)
    {
        var decoder = new PgOutputDecoder(binary);
        WalSync.Mapping.DocumentMapper? mapper = null;
        await using var command = new NpgsqlCommand(
            "SELECT lsn, data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '2', 'publication_names', 'values_pub', 'binary', $2)",
            connection);
        command.Parameters.AddWithValue(slot);
        command.Parameters.AddWithValue(binary is null ? "false" : "true");
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var message = reader.GetFieldValue<byte[]>(1);
            var kind = decoder.Decode(message, reader.GetFieldValue<NpgsqlLogSequenceNumber>(0), out var change);
            if (kind == PgOutputMessageKind.Change)
            {
                if (mapper is null || !ReferenceEquals(mapper.Relation, change.Relation))
                {
                    mapper = new WalSync.Mapping.DocumentMapper(change.Relation!, ["id"], new WalSync.Configuration.TableOptions { Table = "public.kinds" }, types);
                }
                lines.Add($"{change.Kind.ToString()[0]} old{PgOutputDecoderPostgresTests.Values(change.OldRow)} new{PgOutputDecoderPostgresTests.Values(change.NewRow)}" +
                    $" document {Document(mapper, change.NewRow)}");
            }
        }
        return lines;
    }
}

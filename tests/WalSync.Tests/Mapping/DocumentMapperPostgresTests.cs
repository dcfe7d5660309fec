using System.Buffers;
using System.Text;
using System.Text.Json;
using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Mapping;

/// <summary>Rows of every mapped type, read in text format from a real PostgreSQL under the replication connection's settings.</summary>
public class DocumentMapperPostgresTests
{
    private const string Schema = """
        CREATE EXTENSION citext;
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE DOMAIN price AS numeric(10,2);
        CREATE DOMAIN big AS bigint;
        CREATE DOMAIN nested AS big;
        CREATE TABLE everything (
            id bigint PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, r real, d double precision, n numeric, b boolean,
            t text, vc varchar(10), c char(5), ci citext, nm name, m mood, u uuid,
            tstz timestamptz, ts timestamp, dt date, j json, jb jsonb,
            i4a integer[], ta text[], tstza timestamptz[], jba jsonb[], ma mood[], pa price[],
            tm time, iv interval, ip inet, by bytea, pt point, mn money, x xml, rg int4range, bx box[],
            p price, ne nested);
        INSERT INTO everything VALUES (1, -32768, 2147483647, -9223372036854775808, 1.1, 0.1, 1.000, true,
            'héllo "q" \', 'abc', 'ab', 'MiXed', 'nm', 'sad', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
            '2024-03-05 13:15:16.123456+05:30', '1969-12-31 23:59:59.5', '0001-01-01 BC', E'{"b":1,\n "a":[1,2]}', '{"b": 1, "a": [1, 2.50]}',
            '{1,NULL,3}', '{a,"b c","d\"e",NULL,""}', '{"2024-03-05 13:15:16+00",NULL}', ARRAY['{"x": 1}'::jsonb, NULL], '{happy,sad}', '{1.5,NULL}',
            '14:15:16.5', '1 year 2 mons 3 days 04:05:06.7', '192.168.0.1/24', '\x00ff41', '(1.5,-2)', 12.34, '<a>x</a>', '[1,5)',
            ARRAY[box '((1,1),(0,0))', box '((2,2),(1,1))'], 9.5, 42);
        INSERT INTO everything (id) VALUES (2);
        INSERT INTO everything (id, n) VALUES (3, 'NaN');
        INSERT INTO everything (id, tstz) VALUES (4, 'infinity');
        INSERT INTO everything (id, i4a) VALUES (5, '{{1,2},{3,4}}');
        INSERT INTO everything (id, jb) VALUES (6, '[1, 2]');
        """;

    private static readonly Dictionary<string, string> ExpectedFirstRow = new()
    {
        ["id"] = "\"1\"", ["i2"] = "-32768", ["i4"] = "2147483647", ["i8"] = "-9223372036854775808", ["r"] = "1.1", ["d"] = "0.1",
        ["n"] = "1.000", ["b"] = "true", ["t"] = "\"h\u00e9llo \\\"q\\\" \\\\\"", ["vc"] = "\"abc\"", ["c"] = "\"ab   \"", ["ci"] = "\"MiXed\"",
        ["nm"] = "\"nm\"", ["m"] = "\"sad\"", ["u"] = "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"",
        ["tstz"] = "1709624716", ["ts"] = "-1", ["dt"] = "-62167219200",
        ["j"] = "{\"b\":1,  \"a\":[1,2]}", ["jb"] = "{\"a\": [1, 2.50], \"b\": 1}",
        ["i4a"] = "[1,3]", ["ta"] = "[\"a\",\"b c\",\"d\\\"e\",\"\"]", ["tstza"] = "[1709644516]", ["jba"] = "[{\"x\": 1}]",
        ["ma"] = "[\"happy\",\"sad\"]", ["pa"] = "[1.50]", ["tm"] = "\"14:15:16.5\"", ["iv"] = "\"1 year 2 mons 3 days 04:05:06.7\"",
        ["ip"] = "\"192.168.0.1/24\"", ["by"] = "\"\\\\x00ff41\"", ["pt"] = "\"(1.5,-2)\"", ["mn"] = "\"$12.34\"", ["x"] = "\"<a>x</a>\"",
        ["rg"] = "\"[1,5)\"", ["bx"] = "[\"(1,1),(0,0)\",\"(2,2),(1,1)\"]", ["p"] = "9.50", ["ne"] = "42",
    };

    [Fact]
    public async Task WriteDocument_RowOfEveryTypeFromPostgres_WritesMappedJson()
    {
        var (mapper, rows) = await LoadAsync();
        var output = new ArrayBufferWriter<byte>();

        var result = mapper.WriteDocument(rows[0], output, partial: false);

        Assert.True(result.Success, result.Error);
        var line = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.EndsWith("}\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line[..^1]);
        using var document = JsonDocument.Parse(line);
        var actual = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
        Assert.Equal(ExpectedFirstRow.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task WriteDocument_RowOfNullsFromPostgres_WritesIdAndKeyOnly()
    {
        var (mapper, rows) = await LoadAsync();
        var output = new ArrayBufferWriter<byte>();

        Assert.True(mapper.WriteDocument(rows[1], output, partial: false).Success);
        Assert.Equal("{\"id\":\"2\"}\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(2, "column n: numeric NaN cannot be stored in a Typesense float field")]
    [InlineData(3, "column tstz: timestamptz infinity cannot be stored in a Typesense int64 field")]
    [InlineData(4, "column i4a: a multi-dimensional integer[] value cannot be stored in a Typesense int32[] field; exclude the column with Tables[].ExcludeColumns to keep the table in sync without it")]
    [InlineData(5, "column jb: jsonb value is not a JSON object, and a Typesense object field holds only objects")]
    public async Task WriteDocument_ValueFromPostgresTypesenseCannotHold_Fails(int row, string expectedError)
    {
        var (mapper, rows) = await LoadAsync();
        var output = new ArrayBufferWriter<byte>();

        var result = mapper.WriteDocument(rows[row], output, partial: false);

        Assert.Equal(expectedError, result.Error);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public async Task RefreshAsync_TypeCreatedAfterLoad_BecomesKnown()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("mapping_refresh");
        await using var connection = await OpenAsync(database);
        var types = await PgTypeCatalog.LoadAsync(connection, CancellationToken.None);
        await PostgresServer.ExecuteAsync(database, "CREATE DOMAIN later AS integer[]");
        var oid = await PostgresServer.ScalarAsync<uint>(database, "SELECT 'later'::regtype::oid");

        Assert.False(types.Contains(oid));
        await types.RefreshAsync(connection, CancellationToken.None);

        Assert.True(types.Contains(oid));
        Assert.Equal(PgTypeKind.Array, types.FindBase(oid)?.Kind);
        Assert.Equal(PgTypeKind.Base, types.Find(22)?.Kind);
    }

    private static async Task<(DocumentMapper Mapper, RowImage[] Rows)> LoadAsync()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("mapping");
        await PostgresServer.ExecuteAsync(database, Schema);
        await using var connection = await OpenAsync(database);
        var types = await PgTypeCatalog.LoadAsync(connection, CancellationToken.None);
        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'everything'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(new ColumnInfo(reader.GetString(0), reader.GetFieldValue<uint>(1), -1, false));
            }
        }
        var relation = new RelationInfo(1, "public", "everything", ReplicaIdentity.Default, columns);
        var select = $"SELECT {string.Join(", ", columns.Select(c => $"\"{c.Name}\""))} FROM everything ORDER BY id";
        var rows = new List<RowImage>();
        var builder = new RowImageBuilder();
        // Text results come from each type's output function, as in pgoutput; a ::text cast would differ for
        // boolean ('true'), char(n) (padding trimmed) and inet/cidr (mask added).
        await using (var command = new NpgsqlCommand(select, connection) { AllResultTypesAreUnknown = true })
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                builder.Start(columns.Count);
                for (var i = 0; i < columns.Count; i++)
                {
                    if (reader.IsDBNull(i))
                    {
                        builder.AddNull();
                    }
                    else
                    {
                        builder.AddText(reader.GetString(i));
                    }
                }
                rows.Add(builder.Build());
            }
        }
        return (new DocumentMapper(relation, ["id"], new TableOptions { Table = "public.everything" }, types), [.. rows]);
    }

    // The settings the replication connection pins, so that text forms are the ones the mapper reads.
    private static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database)
        {
            Timezone = "UTC",
            Options = "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex -c lc_monetary=C",
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

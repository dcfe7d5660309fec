using Npgsql;

namespace WalSync.Replication;

/// <summary>
/// Decides whether the stream can be asked for binary values: only when every column of every table in the publication
/// has a type whose binary form <see cref="PgBinaryText"/> reads, because pgoutput's <c>binary</c> option holds for
/// the whole stream, not per column.
/// </summary>
/// <remarks>Types are recognised by their send function (<c>pg_type.typsend</c>), so domains over them, enums and
/// text-like types of extensions that send text count too. An array counts when its element type does.</remarks>
internal static class BinaryTypes
{
    /// <summary>What the catalog says, read by <see cref="ReadAsync"/>.</summary>
    /// <param name="Types">The binary forms by type OID when every published column has one; null when the stream must be text.</param>
    /// <param name="TextBecause">Why the stream must be text ("column public.t.c has type point"), or null.</param>
    public readonly record struct Decision(IReadOnlyDictionary<uint, BinaryType>? Types, string? TextBecause);

    /// <summary>Reads the types of the columns of every table in <paramref name="publication"/> and decides.</summary>
    /// <exception cref="NpgsqlException">The catalog could not be read.</exception>
    public static async Task<Decision> ReadAsync(NpgsqlConnection connection, string publication, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT ON (a.atttypid) quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
                   format_type(a.atttypid, NULL), t.oid, t.typsend::regproc::text, e.oid, e.typsend::regproc::text
            FROM pg_publication_tables p
            JOIN pg_namespace n ON n.nspname = p.schemaname
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typsend = 'array_send'::regproc
            WHERE p.pubname = $1
            ORDER BY a.atttypid
            """, connection);
        command.Parameters.AddWithValue(publication);
        var types = new Dictionary<uint, BinaryType>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var form = FromSendFunction(reader.GetString(3));
            if (form == BinaryType.Array)
            {
                var element = reader.IsDBNull(5) ? null : FromSendFunction(reader.GetString(5));
                if (element is null or BinaryType.Array)
                {
                    form = null;
                }
                else
                {
                    types[reader.GetFieldValue<uint>(4)] = element.Value;
                }
            }
            if (form is null)
            {
                return new(null, $"column {reader.GetString(0)} has type {reader.GetString(1)}, which WalSync reads only as text");
            }
            types[reader.GetFieldValue<uint>(2)] = form.Value;
        }
        return new(types, null);
    }

    /// <summary>The binary form a send function writes, or null for one WalSync does not read.</summary>
    /// <param name="sendFunction">The function's name as <c>regproc</c> prints it ("int4send").</param>
    public static BinaryType? FromSendFunction(string sendFunction) => sendFunction switch
    {
        "boolsend" => BinaryType.Bool,
        "int2send" => BinaryType.Int2,
        "int4send" => BinaryType.Int4,
        "int8send" => BinaryType.Int8,
        "oidsend" => BinaryType.Oid,
        "float4send" => BinaryType.Float4,
        "float8send" => BinaryType.Float8,
        "numeric_send" => BinaryType.Numeric,
        "textsend" or "varcharsend" or "bpcharsend" or "namesend" or "enum_send" or "json_send" or "citextsend" => BinaryType.Text,
        "jsonb_send" => BinaryType.Jsonb,
        "uuid_send" => BinaryType.Uuid,
        "date_send" => BinaryType.Date,
        "time_send" => BinaryType.Time,
        "timestamp_send" => BinaryType.Timestamp,
        "timestamptz_send" => BinaryType.TimestampTz,
        "byteasend" => BinaryType.Bytea,
        "array_send" => BinaryType.Array,
        "inet_send" or "cidr_send" => BinaryType.Inet,
        "interval_send" => BinaryType.Interval,
        _ => null,
    };
}

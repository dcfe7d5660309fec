namespace WalSync.Replication;

/// <summary>
/// The binary forms (a type's send function) that <see cref="PgBinaryText"/> turns back into PostgreSQL's text form.
/// A column of any other type keeps the whole stream in text mode (see <see cref="BinaryTypes"/>).
/// </summary>
/// <remarks>Formats: the send functions in PostgreSQL's src/backend/utils/adt (e.g. int4send, numeric_send,
/// timestamp_send, array_send).</remarks>
internal enum BinaryType : byte
{
    /// <summary>boolsend: one byte, 0 or 1.</summary>
    Bool,

    /// <summary>int2send: Int16, big-endian.</summary>
    Int2,

    /// <summary>int4send: Int32, big-endian.</summary>
    Int4,

    /// <summary>int8send: Int64, big-endian.</summary>
    Int8,

    /// <summary>oidsend: UInt32, big-endian.</summary>
    Oid,

    /// <summary>float4send: IEEE 754 single, big-endian.</summary>
    Float4,

    /// <summary>float8send: IEEE 754 double, big-endian.</summary>
    Float8,

    /// <summary>numeric_send: Int16 digit count, Int16 weight, UInt16 sign, Int16 display scale, then base-10000 digits.</summary>
    Numeric,

    /// <summary>The text itself, in the client encoding (textsend, varcharsend, bpcharsend, namesend, enum_send, json_send, citext's citextsend).</summary>
    Text,

    /// <summary>jsonb_send: a version byte (1), then the text form.</summary>
    Jsonb,

    /// <summary>uuid_send: 16 bytes.</summary>
    Uuid,

    /// <summary>date_send: Int32 days from 2000-01-01.</summary>
    Date,

    /// <summary>time_send: Int64 microseconds from midnight.</summary>
    Time,

    /// <summary>timestamp_send: Int64 microseconds from 2000-01-01 00:00.</summary>
    Timestamp,

    /// <summary>timestamptz_send: Int64 microseconds from 2000-01-01 00:00 UTC.</summary>
    TimestampTz,

    /// <summary>byteasend: the bytes themselves.</summary>
    Bytea,

    /// <summary>array_send: Int32 dimensions, Int32 flags, UInt32 element type, per dimension Int32 size and lower
    /// bound, then per element Int32 length (-1 for NULL) and the element's binary form.</summary>
    Array,

    /// <summary>inet_send and cidr_send: Byte family (2 IPv4, 3 IPv6), Byte mask bits, Byte 1 for cidr, Byte address
    /// length (4 or 16), then the address in network order.</summary>
    Inet,

    /// <summary>interval_send: Int64 microseconds, Int32 days, Int32 months.</summary>
    Interval,
}

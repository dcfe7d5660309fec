namespace WalSync.Mapping;

/// <summary>How a single PostgreSQL value (a column, or one element of an array) becomes a JSON value.</summary>
internal enum ScalarKind : byte
{
    /// <summary>smallint, integer: a JSON number within the int32 range.</summary>
    Int32,

    /// <summary>bigint: a JSON number within the int64 range.</summary>
    Int64,

    /// <summary>real, double precision, numeric: a JSON number; NaN and ±Infinity cannot be stored.</summary>
    Float,

    /// <summary>boolean: <c>t</c>/<c>f</c> become true/false.</summary>
    Bool,

    /// <summary>text-like types and enums: the text as a JSON string.</summary>
    Text,

    /// <summary>uuid: the text in lower case.</summary>
    Uuid,

    /// <summary>timestamptz, timestamp: Unix seconds, rounded down.</summary>
    Timestamp,

    /// <summary>date: Unix seconds of midnight UTC.</summary>
    Date,

    /// <summary>json, jsonb: the value itself, which must be an object.</summary>
    JsonObject,

    /// <summary>Any other type: PostgreSQL's text form as a JSON string.</summary>
    OtherText,
}

namespace WalSync.Mapping;

/// <summary>Why a PostgreSQL value cannot become the JSON value its Typesense field needs.</summary>
internal enum ValueError : byte
{
    /// <summary>The value was written.</summary>
    None,

    /// <summary>The text is not the type's text form (PostgreSQL does not produce it; a bug or a setting that was not pinned).</summary>
    Malformed,

    /// <summary>A number or timestamp outside what the Typesense field (or JSON) can hold.</summary>
    OutOfRange,

    /// <summary>numeric/float NaN.</summary>
    NaN,

    /// <summary>numeric/float Infinity, timestamp/date infinity.</summary>
    PositiveInfinity,

    /// <summary>numeric/float -Infinity, timestamp/date -infinity.</summary>
    NegativeInfinity,

    /// <summary>json/jsonb holding something other than an object.</summary>
    NotAnObject,

    /// <summary>An array value with more than one dimension in a column mapped to a 1-D array field.</summary>
    MultiDimensional,

    /// <summary>Text that is not valid UTF-8 or is too long for a JSON string.</summary>
    InvalidText,
}

namespace WalSync.TypesenseEmulator.Json;

/// <summary>Token kinds of nlohmann::json's lexer; their display names appear in parse error messages.</summary>
internal enum NlohmannToken
{
    /// <summary>No token yet.</summary>
    Uninitialized,

    /// <summary><c>true</c>.</summary>
    LiteralTrue,

    /// <summary><c>false</c>.</summary>
    LiteralFalse,

    /// <summary><c>null</c>.</summary>
    LiteralNull,

    /// <summary>A string.</summary>
    ValueString,

    /// <summary>A non-negative integer that fits in 64 bits.</summary>
    ValueUnsigned,

    /// <summary>A negative integer that fits in 64 bits.</summary>
    ValueInteger,

    /// <summary>Any other number.</summary>
    ValueFloat,

    /// <summary><c>[</c>.</summary>
    BeginArray,

    /// <summary><c>{</c>.</summary>
    BeginObject,

    /// <summary><c>]</c>.</summary>
    EndArray,

    /// <summary><c>}</c>.</summary>
    EndObject,

    /// <summary><c>:</c>.</summary>
    NameSeparator,

    /// <summary><c>,</c>.</summary>
    ValueSeparator,

    /// <summary>A lexer error.</summary>
    ParseError,

    /// <summary>End of the input.</summary>
    EndOfInput,

    /// <summary>Used only in "expected" texts.</summary>
    LiteralOrValue,
}

namespace WalSync.Mapping;

/// <summary>What <see cref="PgArrayReader.Next"/> read.</summary>
internal enum PgArrayToken : byte
{
    /// <summary>No more elements.</summary>
    End,

    /// <summary>An unquoted <c>NULL</c>: an SQL NULL element.</summary>
    Null,

    /// <summary>An element whose bytes are its text as they stand.</summary>
    Value,

    /// <summary>A quoted element holding backslash escapes: pass it through <see cref="PgArrayReader.Unescape"/>.</summary>
    EscapedValue,

    /// <summary>The text is not an array's text form.</summary>
    Malformed,
}

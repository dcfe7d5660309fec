namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>Comparison of one filter value (Typesense <c>NUM_COMPARATOR</c>).</summary>
internal enum FilterComparator
{
    /// <summary>Equal; for strings with <c>:=</c>, the whole value.</summary>
    Equals,

    /// <summary>Not equal.</summary>
    NotEquals,

    /// <summary>String token match (<c>field:value</c>).</summary>
    Contains,

    /// <summary><c>&gt;</c>.</summary>
    Greater,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterOrEqual,

    /// <summary><c>&lt;</c>.</summary>
    Less,

    /// <summary><c>&lt;=</c>.</summary>
    LessOrEqual,

    /// <summary><c>a..b</c>, both ends included.</summary>
    Range,
}

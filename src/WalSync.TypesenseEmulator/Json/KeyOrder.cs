namespace WalSync.TypesenseEmulator.Json;

/// <summary>
/// Orders object keys like nlohmann::json's <c>std::map&lt;std::string&gt;</c>: by UTF-8 bytes, which equals code point
/// order. Plain UTF-16 ordinal order differs only for characters above U+E000 versus surrogate pairs.
/// </summary>
internal sealed class KeyOrder : IComparer<string>
{
    /// <summary>The shared instance.</summary>
    public static KeyOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                return Fix(x[i]) - Fix(y[i]);
            }
        }

        return x.Length - y.Length;
    }

    // Moves surrogates above U+E000..U+FFFF so UTF-16 units sort in code point order.
    private static int Fix(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
}

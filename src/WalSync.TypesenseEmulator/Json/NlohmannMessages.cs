using System.Globalization;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>Fixed texts of nlohmann::json 3.11.2 error messages (<c>lexer::token_type_name</c>, control characters).</summary>
internal static class NlohmannMessages
{
    private static readonly string[] ControlNames =
    [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
        "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
    ];

    /// <summary>Message for an unescaped control character inside a string.</summary>
    public static string ControlCharacter(int c)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"invalid string: control character U+{c:X4} ({ControlNames[c]}) must be escaped to \\u{c:X4}");
        return c switch
        {
            0x08 => text + " or \\b",
            0x09 => text + " or \\t",
            0x0A => text + " or \\n",
            0x0C => text + " or \\f",
            0x0D => text + " or \\r",
            _ => text,
        };
    }

    /// <summary>Display name of a token kind.</summary>
    public static string TokenName(NlohmannToken token) => token switch
    {
        NlohmannToken.Uninitialized => "<uninitialized>",
        NlohmannToken.LiteralTrue => "true literal",
        NlohmannToken.LiteralFalse => "false literal",
        NlohmannToken.LiteralNull => "null literal",
        NlohmannToken.ValueString => "string literal",
        NlohmannToken.ValueUnsigned or NlohmannToken.ValueInteger or NlohmannToken.ValueFloat => "number literal",
        NlohmannToken.BeginArray => "'['",
        NlohmannToken.BeginObject => "'{'",
        NlohmannToken.EndArray => "']'",
        NlohmannToken.EndObject => "'}'",
        NlohmannToken.NameSeparator => "':'",
        NlohmannToken.ValueSeparator => "','",
        NlohmannToken.ParseError => "<parse error>",
        NlohmannToken.EndOfInput => "end of input",
        NlohmannToken.LiteralOrValue => "'[', '{', or a literal",
        _ => "unknown token",
    };
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>
/// Byte-level lexer that reproduces the positions, token strings and error texts of nlohmann::json 3.11.2,
/// the parser Typesense uses, so that "Bad JSON: …" messages match the real server byte for byte.
/// </summary>
/// <remarks>Ported in behaviour (not in code) from nlohmann/json <c>detail/input/lexer.hpp</c>.</remarks>
internal ref struct NlohmannLexer
{
    private const int Eof = -1;

    private readonly ReadOnlySpan<byte> _input;
    private int _pos;
    private int _current;
    private bool _nextUnget;
    private int _tokenStart;
    private long _charsReadTotal;
    private long _charsReadCurrentLine;
    private long _linesRead;

    public NlohmannLexer(ReadOnlySpan<byte> input)
    {
        _input = input;
        _current = Eof;
    }

    /// <summary>Error text of the last <see cref="NlohmannToken.ParseError"/> token.</summary>
    public string ErrorMessage { get; private set; } = string.Empty;

    /// <summary>Kind of the last number scanned: an integer literal that overflows 64 bits is a float, as in nlohmann.</summary>
    public NlohmannToken LastNumberKind { get; private set; }

    /// <summary>True when exactly one character (the end of input) was read: nlohmann's "empty input" case.</summary>
    public readonly bool ReadOnlyEnd => _charsReadTotal == 1;

    /// <summary>Position text as nlohmann formats it: "line L, column C".</summary>
    public readonly string Position =>
        string.Create(CultureInfo.InvariantCulture, $"line {_linesRead + 1}, column {_charsReadCurrentLine}");

    /// <summary>Bytes read since the last string or number started, control characters shown as &lt;U+XXXX&gt;.</summary>
    public readonly string TokenString()
    {
        var raw = _input[_tokenStart.._pos];
        var text = new StringBuilder(raw.Length);
        var start = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] > 0x1F)
            {
                continue;
            }

            text.Append(Encoding.UTF8.GetString(raw[start..i]));
            text.Append(CultureInfo.InvariantCulture, $"<U+{raw[i]:X4}>");
            start = i + 1;
        }

        text.Append(Encoding.UTF8.GetString(raw[start..]));
        return text.ToString();
    }

    /// <summary>Text of the last number token.</summary>
    public readonly ReadOnlySpan<byte> TokenBytes => _input[_tokenStart.._pos];

    /// <summary>Scans the next token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public NlohmannToken Scan()
    {
        if (_charsReadTotal == 0 && !SkipBom())
        {
            ErrorMessage = "invalid BOM; must be 0xEF 0xBB 0xBF if given";
            return NlohmannToken.ParseError;
        }

        do
        {
            Get();
        }
        while (_current is ' ' or '\t' or '\n' or '\r');

        switch (_current)
        {
            case '[': return NlohmannToken.BeginArray;
            case ']': return NlohmannToken.EndArray;
            case '{': return NlohmannToken.BeginObject;
            case '}': return NlohmannToken.EndObject;
            case ':': return NlohmannToken.NameSeparator;
            case ',': return NlohmannToken.ValueSeparator;
            case 't': return ScanLiteral("true"u8, NlohmannToken.LiteralTrue);
            case 'f': return ScanLiteral("false"u8, NlohmannToken.LiteralFalse);
            case 'n': return ScanLiteral("null"u8, NlohmannToken.LiteralNull);
            case '"': return ScanString();
            case '-' or (>= '0' and <= '9'): return ScanNumber();
            case 0 or Eof: return NlohmannToken.EndOfInput;
            default:
                ErrorMessage = "invalid literal";
                return NlohmannToken.ParseError;
        }
    }

    private bool SkipBom()
    {
        if (Get() != 0xEF)
        {
            Unget();
            return true;
        }

        return Get() == 0xBB && Get() == 0xBF;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Get()
    {
        _charsReadTotal++;
        _charsReadCurrentLine++;
        if (_nextUnget)
        {
            _nextUnget = false;
            if (_current != Eof)
            {
                _pos++;
            }
        }
        else
        {
            _current = _pos < _input.Length ? _input[_pos++] : Eof;
        }

        if (_current == '\n')
        {
            _linesRead++;
            _charsReadCurrentLine = 0;
        }

        return _current;
    }

    private void Unget()
    {
        _nextUnget = true;
        _charsReadTotal--;
        if (_charsReadCurrentLine == 0)
        {
            if (_linesRead > 0)
            {
                _linesRead--;
            }
        }
        else
        {
            _charsReadCurrentLine--;
        }

        if (_current != Eof)
        {
            _pos--;
        }
    }

    private void Reset() => _tokenStart = _pos - 1;

    private NlohmannToken ScanLiteral(ReadOnlySpan<byte> literal, NlohmannToken kind)
    {
        for (var i = 1; i < literal.Length; i++)
        {
            if (Get() != literal[i])
            {
                ErrorMessage = "invalid literal";
                return NlohmannToken.ParseError;
            }
        }

        return kind;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private NlohmannToken ScanString()
    {
        Reset();
        while (true)
        {
            var c = Get();
            switch (c)
            {
                case Eof:
                    ErrorMessage = "invalid string: missing closing quote";
                    return NlohmannToken.ParseError;
                case '"':
                    return NlohmannToken.ValueString;
                case '\\':
                    if (!ScanEscape())
                    {
                        return NlohmannToken.ParseError;
                    }

                    break;
                case <= 0x1F:
                    ErrorMessage = NlohmannMessages.ControlCharacter(c);
                    return NlohmannToken.ParseError;
                case <= 0x7F:
                    break;
                default:
                    if (!ScanUtf8Tail(c))
                    {
                        ErrorMessage = "invalid string: ill-formed UTF-8 byte";
                        return NlohmannToken.ParseError;
                    }

                    break;
            }
        }
    }

    private bool ScanEscape()
    {
        switch (Get())
        {
            case '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't':
                return true;
            case 'u':
                return ScanUnicodeEscape();
            default:
                ErrorMessage = "invalid string: forbidden character after backslash";
                return false;
        }
    }

    private bool ScanUnicodeEscape()
    {
        const string MissingHex = "invalid string: '\\u' must be followed by 4 hex digits";
        const string MissingLow = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
        var first = GetCodepoint();
        if (first < 0)
        {
            ErrorMessage = MissingHex;
            return false;
        }

        if (first is >= 0xD800 and <= 0xDBFF)
        {
            if (Get() == '\\' && Get() == 'u')
            {
                var second = GetCodepoint();
                if (second < 0)
                {
                    ErrorMessage = MissingHex;
                    return false;
                }

                if (second is >= 0xDC00 and <= 0xDFFF)
                {
                    return true;
                }
            }

            ErrorMessage = MissingLow;
            return false;
        }

        if (first is >= 0xDC00 and <= 0xDFFF)
        {
            ErrorMessage = "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF";
            return false;
        }

        return true;
    }

    private int GetCodepoint()
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var c = Get();
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'A' and <= 'F' => c - 'A' + 10,
                >= 'a' and <= 'f' => c - 'a' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return -1;
            }

            value = (value << 4) | digit;
        }

        return value;
    }

    // Byte ranges of well-formed UTF-8 after the lead byte (Unicode 3.9, table 3-7), checked one byte at a time.
    private bool ScanUtf8Tail(int lead)
    {
        return lead switch
        {
            >= 0xC2 and <= 0xDF => InRange(0x80, 0xBF),
            0xE0 => InRange(0xA0, 0xBF) && InRange(0x80, 0xBF),
            (>= 0xE1 and <= 0xEC) or 0xEE or 0xEF => InRange(0x80, 0xBF) && InRange(0x80, 0xBF),
            0xED => InRange(0x80, 0x9F) && InRange(0x80, 0xBF),
            0xF0 => InRange(0x90, 0xBF) && InRange(0x80, 0xBF) && InRange(0x80, 0xBF),
            >= 0xF1 and <= 0xF3 => InRange(0x80, 0xBF) && InRange(0x80, 0xBF) && InRange(0x80, 0xBF),
            0xF4 => InRange(0x80, 0x8F) && InRange(0x80, 0xBF) && InRange(0x80, 0xBF),
            _ => false,
        };
    }

    private bool InRange(int low, int high)
    {
        var c = Get();
        return c >= low && c <= high;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private NlohmannToken ScanNumber()
    {
        Reset();
        var kind = NlohmannToken.ValueUnsigned;
        var c = _current;
        if (c == '-')
        {
            kind = NlohmannToken.ValueInteger;
            c = Get();
            if (c is < '0' or > '9')
            {
                ErrorMessage = "invalid number; expected digit after '-'";
                return NlohmannToken.ParseError;
            }
        }

        if (c != '0')
        {
            while (Get() is >= '0' and <= '9')
            {
            }
        }
        else
        {
            Get();
        }

        if (_current == '.')
        {
            kind = NlohmannToken.ValueFloat;
            if (Get() is < '0' or > '9')
            {
                ErrorMessage = "invalid number; expected digit after '.'";
                return NlohmannToken.ParseError;
            }

            while (Get() is >= '0' and <= '9')
            {
            }
        }

        if (_current is 'e' or 'E')
        {
            kind = NlohmannToken.ValueFloat;
            var next = Get();
            if (next is '+' or '-')
            {
                if (Get() is < '0' or > '9')
                {
                    ErrorMessage = "invalid number; expected digit after exponent sign";
                    return NlohmannToken.ParseError;
                }
            }
            else if (next is < '0' or > '9')
            {
                ErrorMessage = "invalid number; expected '+', '-', or digit after exponent";
                return NlohmannToken.ParseError;
            }

            while (Get() is >= '0' and <= '9')
            {
            }
        }

        Unget();
        LastNumberKind = kind == NlohmannToken.ValueFloat || JsonNumbers.IsIntegerLiteral(TokenBytes)
            ? kind
            : NlohmannToken.ValueFloat;
        return LastNumberKind;
    }
}

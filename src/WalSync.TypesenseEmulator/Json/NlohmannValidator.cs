using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace WalSync.TypesenseEmulator.Json;

/// <summary>
/// Checks a JSON text the way nlohmann::json 3.11.2 (<c>json::parse</c>, strict, no comments) does and returns its
/// exception text (<c>e.what()</c>) for invalid input. Typesense prefixes that text with "Bad JSON: ".
/// </summary>
/// <remarks>Behaviour of nlohmann/json <c>detail/input/parser.hpp</c> <c>sax_parse_internal()</c>.</remarks>
internal static class NlohmannValidator
{
    /// <summary>
    /// True when System.Text.Json might accept a text that nlohmann rejects: non-ASCII bytes (nlohmann checks UTF-8
    /// strictly), <c>\u</c> escapes (lone surrogates) and exponents (numbers beyond a double's range).
    /// </summary>
    public static bool NeedsFullCheck(ReadOnlySpan<byte> json)
    {
        if (json.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0 || json.IndexOf("\\u"u8) >= 0)
        {
            return true;
        }

        var rest = json;
        int at;
        while ((at = rest.IndexOfAny((byte)'e', (byte)'E')) >= 0)
        {
            if (at > 0 && char.IsAsciiDigit((char)rest[at - 1]))
            {
                return true;
            }

            rest = rest[(at + 1)..];
        }

        return false;
    }

    /// <summary>Returns null when <paramref name="json"/> is valid, else the nlohmann exception message.</summary>
    public static string? Validate(ReadOnlySpan<byte> json)
    {
        var lexer = new NlohmannLexer(json);
        var states = new List<bool>();
        var token = lexer.Scan();
        var error = ParseValue(ref lexer, ref token, states);
        if (error is not null)
        {
            return error;
        }

        token = lexer.Scan();
        return token == NlohmannToken.EndOfInput ? null : Syntax(ref lexer, token, NlohmannToken.EndOfInput, "value");
    }

    // Iterative like nlohmann's parser: states holds true for an open array, false for an open object.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ParseValue(ref NlohmannLexer lexer, ref NlohmannToken token, List<bool> states)
    {
        var skipToState = false;
        while (true)
        {
            if (!skipToState)
            {
                switch (token)
                {
                    case NlohmannToken.BeginObject:
                        token = lexer.Scan();
                        if (token == NlohmannToken.EndObject)
                        {
                            break;
                        }

                        if (ObjectKey(ref lexer, ref token) is { } keyError)
                        {
                            return keyError;
                        }

                        states.Add(false);
                        token = lexer.Scan();
                        continue;
                    case NlohmannToken.BeginArray:
                        token = lexer.Scan();
                        if (token == NlohmannToken.EndArray)
                        {
                            break;
                        }

                        states.Add(true);
                        continue;
                    case NlohmannToken.ValueFloat:
                        if (!double.IsFinite(ParseDouble(lexer.TokenBytes)))
                        {
                            return $"[json.exception.out_of_range.406] number overflow parsing '{lexer.TokenString()}'";
                        }

                        break;
                    case NlohmannToken.LiteralTrue or NlohmannToken.LiteralFalse or NlohmannToken.LiteralNull
                        or NlohmannToken.ValueString or NlohmannToken.ValueInteger or NlohmannToken.ValueUnsigned:
                        break;
                    case NlohmannToken.ParseError:
                        return Syntax(ref lexer, token, NlohmannToken.Uninitialized, "value");
                    case NlohmannToken.EndOfInput when lexer.ReadOnlyEnd:
                        return $"[json.exception.parse_error.101] parse error at {lexer.Position}: attempting to parse an empty input; check that your input string or stream contains the expected JSON";
                    default:
                        return Syntax(ref lexer, token, NlohmannToken.LiteralOrValue, "value");
                }
            }
            else
            {
                skipToState = false;
            }

            if (states.Count == 0)
            {
                return null;
            }

            token = lexer.Scan();
            if (states[^1])
            {
                if (token == NlohmannToken.ValueSeparator)
                {
                    token = lexer.Scan();
                    continue;
                }

                if (token != NlohmannToken.EndArray)
                {
                    return Syntax(ref lexer, token, NlohmannToken.EndArray, "array");
                }
            }
            else
            {
                if (token == NlohmannToken.ValueSeparator)
                {
                    token = lexer.Scan();
                    if (ObjectKey(ref lexer, ref token) is { } keyError)
                    {
                        return keyError;
                    }

                    token = lexer.Scan();
                    continue;
                }

                if (token != NlohmannToken.EndObject)
                {
                    return Syntax(ref lexer, token, NlohmannToken.EndObject, "object");
                }
            }

            states.RemoveAt(states.Count - 1);
            skipToState = true;
        }
    }

    private static string? ObjectKey(ref NlohmannLexer lexer, ref NlohmannToken token)
    {
        if (token != NlohmannToken.ValueString)
        {
            return Syntax(ref lexer, token, NlohmannToken.ValueString, "object key");
        }

        token = lexer.Scan();
        return token == NlohmannToken.NameSeparator
            ? null
            : Syntax(ref lexer, token, NlohmannToken.NameSeparator, "object separator");
    }

    private static string Syntax(ref NlohmannLexer lexer, NlohmannToken last, NlohmannToken expected, string context)
    {
        var message = new StringBuilder("syntax error while parsing ").Append(context).Append(" - ");
        if (last == NlohmannToken.ParseError)
        {
            message.Append(lexer.ErrorMessage).Append("; last read: '").Append(lexer.TokenString()).Append('\'');
        }
        else
        {
            message.Append("unexpected ").Append(NlohmannMessages.TokenName(last));
        }

        if (expected != NlohmannToken.Uninitialized)
        {
            message.Append("; expected ").Append(NlohmannMessages.TokenName(expected));
        }

        return $"[json.exception.parse_error.101] parse error at {lexer.Position}: {message}";
    }

    private static double ParseDouble(ReadOnlySpan<byte> text) =>
        double.Parse(Encoding.ASCII.GetString(text), NumberStyles.Float, CultureInfo.InvariantCulture);
}

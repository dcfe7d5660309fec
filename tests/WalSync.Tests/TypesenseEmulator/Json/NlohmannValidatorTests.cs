using System.Text;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.Tests.TypesenseEmulator.Json;

/// <summary>nlohmann::json 3.11.2 error texts, as Typesense puts them after "Bad JSON: ".</summary>
public sealed class NlohmannValidatorTests
{
    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData(" [1, -0, 1.5e3, true, false, null, \"\\u00e9\\ud83d\\ude00\"] ")]
    [InlineData("\"x\"\r")]
    public void Validate_ValidJson_ReturnsNull(string json) =>
        Assert.Null(NlohmannValidator.Validate(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("", "parse error at line 1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON")]
    [InlineData("{", "parse error at line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal")]
    [InlineData("{\"a\" 1}", "parse error at line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'")]
    [InlineData("{\"a\":1,}", "parse error at line 1, column 8: syntax error while parsing object key - unexpected '}'; expected string literal")]
    [InlineData("[1 2]", "parse error at line 1, column 4: syntax error while parsing array - unexpected number literal; expected ']'")]
    [InlineData("{} x", "parse error at line 1, column 4: syntax error while parsing value - invalid literal; last read: '{} x'; expected end of input")]
    [InlineData("{}{}", "parse error at line 1, column 3: syntax error while parsing value - unexpected '{'; expected end of input")]
    [InlineData(" ", "parse error at line 1, column 2: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal")]
    [InlineData("tru", "parse error at line 1, column 4: syntax error while parsing value - invalid literal; last read: 'tru'")]
    [InlineData("-", "parse error at line 1, column 2: syntax error while parsing value - invalid number; expected digit after '-'; last read: '-'")]
    [InlineData("1.", "parse error at line 1, column 3: syntax error while parsing value - invalid number; expected digit after '.'; last read: '1.'")]
    [InlineData("\"a\nb\"", "parse error at line 2, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: '\"a<U+000A>'")]
    [InlineData("\"\\x\"", "parse error at line 1, column 3: syntax error while parsing value - invalid string: forbidden character after backslash; last read: '\"\\x'")]
    [InlineData("\"\\ud800\"", "parse error at line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"\\ud800\"'")]
    [InlineData("\"abc", "parse error at line 1, column 5: syntax error while parsing value - invalid string: missing closing quote; last read: '\"abc'")]
    public void Validate_InvalidJson_ReturnsNlohmannParseError(string json, string expected) =>
        Assert.Equal("[json.exception.parse_error.101] " + expected, NlohmannValidator.Validate(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Validate_NumberOverflow_ReturnsOutOfRange406() =>
        Assert.Equal("[json.exception.out_of_range.406] number overflow parsing '1e999'", NlohmannValidator.Validate("[1e999]"u8));

    [Fact]
    public void Validate_IllFormedUtf8_ReturnsUtf8Error() =>
        Assert.StartsWith(
            "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error while parsing value - invalid string: ill-formed UTF-8 byte",
            NlohmannValidator.Validate([(byte)'"', 0xC3, (byte)'"']));
}

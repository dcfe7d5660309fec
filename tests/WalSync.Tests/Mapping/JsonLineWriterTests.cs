using System.Text;
using System.Text.Json;
using WalSync.Mapping;

namespace WalSync.Tests.Mapping;

public class JsonLineWriterTests
{
    [Fact]
    public void StringValue_EveryAsciiCharacterAndNonAscii_RoundTripsThroughJsonParser()
    {
        var text = new string([.. Enumerable.Range(0, 128).Select(i => (char)i)]) + "\u00e9\u20ac\U0001F600\u2028";
        var writer = new JsonLineWriter(16);

        Assert.True(writer.StringValue(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(text, JsonSerializer.Deserialize<string>(writer.Written));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"")]
    [InlineData("\u0001\u001f", "\"\\u0001\\u001f\"")]
    [InlineData("<&>'\u00e9", "\"<&>'\u00e9\"")]
    public void StringValue_Text_EscapesOnlyWhatJsonRequires(string text, string expected)
    {
        var writer = new JsonLineWriter(4);

        writer.StringValue(Encoding.UTF8.GetBytes(text));

        Assert.Equal(expected, Encoding.UTF8.GetString(writer.Written));
    }

    [Fact]
    public void StringValue_InvalidUtf8_ReturnsFalseAndWritesNothing()
    {
        var writer = new JsonLineWriter(16);
        writer.StartArray();

        Assert.False(writer.StringValue([0x61, 0xc3]));
        Assert.Equal("[", Encoding.UTF8.GetString(writer.Written));
    }

    [Fact]
    public void Written_NestedValues_PutsCommasBetweenValuesOnly()
    {
        var writer = new JsonLineWriter(2);

        writer.StartObject();
        writer.PropertyName(JsonLineWriter.EncodePropertyName("a"));
        writer.StartArray();
        writer.NumberValue(-9223372036854775808);
        writer.StringValue("x"u8);
        writer.StartArray();
        writer.EndArray();
        writer.EndArray();
        writer.PropertyName(JsonLineWriter.EncodePropertyName("b\"c"));
        writer.NullValue();
        writer.PropertyName(JsonLineWriter.EncodePropertyName("d"));
        writer.BoolValue(false);
        writer.PropertyName(JsonLineWriter.EncodePropertyName("e"));
        writer.RawValue("{\"f\": 1.50}"u8);
        writer.EndObject();

        Assert.Equal("{\"a\":[-9223372036854775808,\"x\",[]],\"b\\\"c\":null,\"d\":false,\"e\":{\"f\": 1.50}}", Encoding.UTF8.GetString(writer.Written));
    }

    [Fact]
    public void Clear_AfterWriting_StartsOver()
    {
        var writer = new JsonLineWriter(8);
        writer.StartObject();
        writer.NumberValue(1);

        writer.Clear();
        writer.NumberValue(2);

        Assert.Equal("2", Encoding.UTF8.GetString(writer.Written));
    }
}

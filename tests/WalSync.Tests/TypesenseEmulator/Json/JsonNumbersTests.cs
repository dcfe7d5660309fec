using System.Text;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.Tests.TypesenseEmulator.Json;

/// <summary>Numbers printed as nlohmann::json prints them after parsing.</summary>
public sealed class JsonNumbersTests
{
    [Theory]
    [InlineData("10", "10")]
    [InlineData("-0", "0")]
    [InlineData("10.0", "10.0")]
    [InlineData("1.50", "1.5")]
    [InlineData("1e2", "100.0")]
    [InlineData("0.1", "0.1")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("1.5e-7", "1.5e-07")]
    [InlineData("1e15", "1e+15")]
    [InlineData("123456789012345.0", "123456789012345.0")]
    [InlineData("-2.5E+300", "-2.5e+300")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("18446744073709551616", "1.8446744073709552e+19")]
    public void WriteCanonical_Literal_PrintsLikeNlohmann(string literal, string expected)
    {
        var output = new Utf8Buffer();

        JsonNumbers.WriteCanonical(Encoding.ASCII.GetBytes(literal), output);

        Assert.Equal(expected, Encoding.ASCII.GetString(output.WrittenSpan));
    }
}

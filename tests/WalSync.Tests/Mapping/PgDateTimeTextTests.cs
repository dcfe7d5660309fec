using System.Text;
using WalSync.Mapping;

namespace WalSync.Tests.Mapping;

public class PgDateTimeTextTests
{
    // Expected values checked with floor(extract(epoch from ...)) on PostgreSQL 15.
    [Theory]
    [InlineData("2024-03-05 13:15:16+00", 1709644516L)]
    [InlineData("2024-03-05 13:15:16.123456+00", 1709644516L)]
    [InlineData("2024-03-05 13:15:16.123456+05:30", 1709624716L)]
    [InlineData("2024-03-05 09:45:16.5-03:30", 1709644516L)]
    [InlineData("1900-06-15 10:00:00-03", -2194686000L)]
    [InlineData("1850-01-01 05:53:28+05:53:28", -3786825600L)]
    [InlineData("1969-12-31 23:59:59.5+00", -1L)]
    [InlineData("1969-12-31 23:59:59.999999", -1L)]
    [InlineData("1970-01-01 00:00:00", 0L)]
    [InlineData("0001-01-01 00:00:00+00 BC", -62167219200L)]
    [InlineData("0001-12-31 23:59:59.5+00 BC", -62135596801L)]
    [InlineData("4714-11-24 00:00:00+00 BC", -210866803200L)]
    [InlineData("10000-01-01 00:00:00+00", 253402300800L)]
    [InlineData("294276-12-31 23:59:59.999999+00", 9224318015999L)]
    [InlineData("1960-02-29", -310521600L)]
    [InlineData("4714-11-24 BC", -210866803200L)]
    [InlineData("5874897-12-31", 185331706992000L)]
    public void TryParseUnixSeconds_IsoText_ReturnsFlooredUnixSeconds(string text, long expected)
    {
        Assert.Equal(ValueError.None, PgDateTimeText.TryParseUnixSeconds(Encoding.UTF8.GetBytes(text), out var seconds));
        Assert.Equal(expected, seconds);
    }

    [Fact]
    public void TryParseUnixSeconds_EveryDayOf2000To2030_MatchesDateTimeOffset()
    {
        for (var day = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc); day.Year <= 2030; day = day.AddHours(13.5))
        {
            var text = Encoding.UTF8.GetBytes(day.ToString("yyyy-MM-dd HH:mm:ss.ff", System.Globalization.CultureInfo.InvariantCulture) + "+00");

            Assert.Equal(ValueError.None, PgDateTimeText.TryParseUnixSeconds(text, out var seconds));
            Assert.Equal(new DateTimeOffset(day).ToUnixTimeSeconds(), seconds);
        }
    }

    [Theory]
    [InlineData("infinity", "PositiveInfinity")]
    [InlineData("-infinity", "NegativeInfinity")]
    [InlineData("1234567890-01-01", "OutOfRange")]
    [InlineData("2024-13-01", "Malformed")]
    [InlineData("0000-01-01", "Malformed")]
    [InlineData("2024-03-05 13:15", "Malformed")]
    [InlineData("2024-03-05 13:15:16.", "Malformed")]
    [InlineData("2024-03-05 13:15:16+5", "Malformed")]
    [InlineData("2024-03-05 13:15:16+05:", "Malformed")]
    [InlineData("", "Malformed")]
    public void TryParseUnixSeconds_NotATime_ReturnsReason(string text, string expected)
    {
        Assert.Equal(expected, PgDateTimeText.TryParseUnixSeconds(Encoding.UTF8.GetBytes(text), out _).ToString());
    }
}

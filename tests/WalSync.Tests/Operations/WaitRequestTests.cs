using NpgsqlTypes;
using WalSync.Cli.Http;

namespace WalSync.Tests.Operations;

/// <summary>The query of <c>/wait</c>: what it accepts, and the message for what it does not.</summary>
public sealed class WaitRequestTests
{
    [Theory]
    [InlineData("0/16B3748", null, 5_000)]
    [InlineData("16/B374D848", "250ms", 250)]
    [InlineData("0/1", "1.5s", 1_500)]
    [InlineData("0/1", "2m", 120_000)]
    [InlineData("0/1", "3", 3_000)]
    [InlineData("0/1", "00:00:04", 4_000)]
    [InlineData("0/1", "0", 0)]
    [InlineData("0/1", "0s", 0)]
    public void TryParse_WellFormed_Accepted(string lsn, string? timeout, int milliseconds)
    {
        Assert.True(WaitRequest.TryParse(lsn, timeout, out var request, out var error), error);
        Assert.Equal(NpgsqlLogSequenceNumber.Parse(lsn), request!.Lsn);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), request.Timeout);
    }

    [Theory]
    [InlineData(null, null, "lsn is missing")]
    [InlineData("", "5s", "lsn is missing")]
    [InlineData("garbage", "5s", "lsn 'garbage' is not a WAL position")]
    [InlineData("0/0", "5s", "is not a WAL position")]
    [InlineData("12345", "5s", "is not a WAL position")]
    [InlineData("0/16B3748'; DROP TABLE x", "5s", "is not a WAL position")]
    [InlineData("0/1", "soon", "timeout 'soon' is not a duration")]
    [InlineData("0/1", "-1s", "is not a duration")]
    [InlineData("0/1", "10m", "longer than 5m")]
    public void TryParse_Malformed_RefusedWithAMessageSayingHowToWriteIt(string? lsn, string? timeout, string expected)
    {
        Assert.False(WaitRequest.TryParse(lsn, timeout, out var request, out var error));
        Assert.Null(request);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

using WalSync.Typesense;

namespace WalSync.Tests.Typesense;

public class RetryBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Fact]
    public void Ceiling_SuccessiveRetries_DoublesUntilCapped()
    {
        var backoff = new RetryBackoff(Initial, Max);

        var ceilings = Enumerable.Range(0, 7).Select(r => backoff.Ceiling(r).TotalMilliseconds).ToArray();

        Assert.Equal([100, 200, 400, 800, 1000, 1000, 1000], ceilings);
    }

    [Fact]
    public void Delay_RandomAtBounds_SpansInitialToCeiling()
    {
        var low = new RetryBackoff(Initial, Max, () => 0.0);
        var high = new RetryBackoff(Initial, Max, () => 1.0);

        Assert.All(Enumerable.Range(0, 10), r => Assert.Equal(Initial, low.Delay(r)));
        Assert.Equal([100, 200, 400, 800, 1000, 1000], Enumerable.Range(0, 6).Select(r => high.Delay(r).TotalMilliseconds));
    }

    [Fact]
    public void Delay_JitteredSamples_StayInBoundsVaryAndGrowOnAverage()
    {
        var random = new Random(20250101);
        var backoff = new RetryBackoff(Initial, Max, random.NextDouble);
        var means = new List<double>();

        for (var retry = 0; retry < 6; retry++)
        {
            var samples = Enumerable.Range(0, 2000).Select(_ => backoff.Delay(retry)).ToList();
            Assert.All(samples, d => Assert.InRange(d, Initial, backoff.Ceiling(retry)));
            if (retry > 0)
            {
                Assert.True(samples.Distinct().Count() > 1000, "delays are jittered");
            }

            means.Add(samples.Average(d => d.TotalMilliseconds));
        }

        // Expected means: 100, 150, 250, 450, 550, 550 ms.
        Assert.True(means[1] > means[0] && means[2] > means[1] * 1.4 && means[3] > means[2] * 1.4, string.Join(", ", means));
        Assert.InRange(means[5], 500, 600);
    }

    [Fact]
    public void Delay_RetryWithoutEnd_NeverExceedsMaxOrOverflows()
    {
        var backoff = new RetryBackoff(Initial, TimeSpan.FromSeconds(30), () => 0.999);

        foreach (var retry in new[] { 62, 63, 1000, int.MaxValue - 1 })
        {
            Assert.InRange(backoff.Delay(retry), TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));
        }
    }
}

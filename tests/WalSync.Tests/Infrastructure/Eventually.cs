namespace WalSync.Tests.Infrastructure;

/// <summary>Waits on a condition with a timeout, polling; the test's only way to wait for the daemon.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    /// <exception cref=" Xunit.Sdk.XunitException">The condition did not hold in time; the message says what was awaited.</exception>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                var detail = describe is null ? "" : " " + await describe();
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting for: {what}.{detail}");
            }
            await Task.Delay(100);
        }
    }
}

namespace WalSync.Tests.Nested;

/// <summary>A measurement, not a check: skipped unless <c>WALSYNC_NESTED_BENCHMARK=1</c>.</summary>
public sealed class NestedBenchmarkFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the variable is set.</summary>
    public NestedBenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("WALSYNC_NESTED_BENCHMARK") != "1")
        {
            Skip = "a benchmark: set WALSYNC_NESTED_BENCHMARK=1 to run it";
        }
    }
}

namespace WalSync.Tests.Faults;

/// <summary>The theory form of <see cref="SoakFactAttribute"/>: skipped unless <c>WALSYNC_SOAK=1</c>.</summary>
public sealed class SoakTheoryAttribute : TheoryAttribute
{
    internal const string SkipReason = "Soak test: set WALSYNC_SOAK=1 and run with --filter \"Category=Soak\".";

    public SoakTheoryAttribute()
    {
        if (!Enabled)
        {
            Skip = SkipReason;
        }
    }

    internal static bool Enabled => Environment.GetEnvironmentVariable("WALSYNC_SOAK") == "1";
}

namespace WalSync.Tests.Faults;

/// <summary>
/// A long-running test (minutes): skipped unless <c>WALSYNC_SOAK=1</c>. Mark it <c>[Trait("Category", "Soak")]</c> too and
/// run with <c>WALSYNC_SOAK=1 dotnet test tests/WalSync.Tests --filter "Category=Soak"</c>.
/// </summary>
public sealed class SoakFactAttribute : FactAttribute
{
    public SoakFactAttribute()
    {
        if (!SoakTheoryAttribute.Enabled)
        {
            Skip = SoakTheoryAttribute.SkipReason;
        }
    }
}

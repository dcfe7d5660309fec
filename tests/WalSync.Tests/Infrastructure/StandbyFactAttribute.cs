namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A test that runs a primary and a streaming standby in containers: skipped unless <c>WALSYNC_TEST_IMAGE</c> names a
/// test image whose PostgreSQL major version lies between <see cref="MinimumMajor"/> and <see cref="MaximumMajor"/>
/// (<c>tests/containers/run</c> sets it for each suite).
/// </summary>
public sealed class StandbyFactAttribute : FactAttribute
{
    private int _minimumMajor;
    private int _maximumMajor = int.MaxValue;

    /// <summary>Skips the test when no test image is named.</summary>
    public StandbyFactAttribute() => Decide();

    /// <summary>The oldest PostgreSQL major version the test runs on.</summary>
    public int MinimumMajor
    {
        get => _minimumMajor;
        set
        {
            _minimumMajor = value;
            Decide();
        }
    }

    /// <summary>The newest PostgreSQL major version the test runs on.</summary>
    public int MaximumMajor
    {
        get => _maximumMajor;
        set
        {
            _maximumMajor = value;
            Decide();
        }
    }

    private void Decide()
    {
        var range = (_minimumMajor, _maximumMajor) switch
        {
            (0, int.MaxValue) => "",
            (_, int.MaxValue) => $" {_minimumMajor} or later",
            (0, _) => $" {_maximumMajor} or older",
            _ => $" {_minimumMajor} to {_maximumMajor}",
        };
        Skip = TestImage.Major is { } major && major >= _minimumMajor && major <= _maximumMajor
            ? null
            : $"Needs a PostgreSQL{range} test image in WALSYNC_TEST_IMAGE (tests/containers/run builds them and sets it).";
    }
}

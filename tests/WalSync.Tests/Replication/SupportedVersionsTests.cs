using WalSync.Configuration;
using WalSync.Replication;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Replication;

public class SupportedVersionsTests
{
    [Fact]
    public void Check_Postgres13_ThrowsNamingTheOldestSupportedVersion()
    {
        var error = Assert.Throws<ConfigurationException>(() => SupportedVersions.Check(new Version(13, 18), "13.18 (Debian 13.18-1)"));

        Assert.Contains("PostgreSQL 13.18 (Debian 13.18-1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs PostgreSQL 14 or later", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(14, false)]
    [InlineData(15, false)]
    [InlineData(17, false)]
    [InlineData(18, true)]
    public void Check_SupportedVersions_PassAndOnlyNewerOnesAreUntested(int major, bool untested)
    {
        SupportedVersions.Check(new Version(major, 1), $"{major}.1");

        Assert.Equal(untested, SupportedVersions.IsUntested(new Version(major, 1)));
    }

    [Fact]
    public async Task CheckWalLevelAsync_TestServer_IsSupported()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("versions");
        await using var source = new SourceDatabase(new PostgresOptions { ConnectionString = database },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Equal("logical", await source.CheckWalLevelAsync(CancellationToken.None));

        var major = await PostgresServer.ScalarAsync<string>(database, "SHOW server_version_num");
        Assert.InRange(int.Parse(major, System.Globalization.CultureInfo.InvariantCulture) / 10000, SupportedVersions.OldestMajor, SupportedVersions.NewestTestedMajor);
    }
}

using WalSync.Configuration;

namespace WalSync.Tests.Configuration;

/// <summary><c>Postgres:LogicalDecodingWorkMem</c> takes what PostgreSQL takes for <c>logical_decoding_work_mem</c>
/// (64kB up, units kB/MB/GB/TB, case-sensitive) and names the key for anything else, before a connection is made.</summary>
public sealed class DecodingWorkMemTests
{
    [Theory]
    [InlineData("64kB")]
    [InlineData("256MB")]
    [InlineData("1GB")]
    [InlineData("1TB")]
    [InlineData("65536")]
    [InlineData(" 512 MB ")]
    public void Validate_AmountPostgresAccepts_NoError(string value) => Assert.Empty(Errors(value));

    [Theory]
    [InlineData("32kB")]
    [InlineData("63")]
    [InlineData("256mb")]
    [InlineData("256 megabytes")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("2TB")]
    [InlineData("99999999999999999999")]
    public void Validate_AmountPostgresRefuses_NamesTheKeyAndTheForm(string value)
    {
        var error = Assert.Single(Errors(value));
        Assert.Contains($"Postgres:LogicalDecodingWorkMem is \"{value}\"", error, StringComparison.Ordinal);
        Assert.Contains("e.g. \"256MB\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDecodingWorkMem_AddsTheSettingToTheStartUpOptions_KeepingTheOthers()
    {
        var applied = WalSync.Replication.SessionSettings.Apply("Host=db;Username=u;Password=secret", "walsync");
        var with = new Npgsql.NpgsqlConnectionStringBuilder(WalSync.Replication.SessionSettings.WithDecodingWorkMem(applied, " 512 MB"));

        Assert.Equal(WalSync.Replication.SessionSettings.Options + " -c logical_decoding_work_mem=512MB", with.Options);
        Assert.Equal("secret", with.Password);
        Assert.Equal(applied, WalSync.Replication.SessionSettings.WithDecodingWorkMem(applied, null));
    }

    private static List<string> Errors(string value)
    {
        var options = new WalSyncOptions { Postgres = { ConnectionString = "Host=db", LogicalDecodingWorkMem = value } };
        return WalSyncOptionsValidator.Validate(options).Where(e => e.Contains("LogicalDecodingWorkMem", StringComparison.Ordinal)).ToList();
    }
}

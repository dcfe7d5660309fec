using Npgsql;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.DeadLetters;

/// <summary>Exit codes of <c>walsync dead-letters</c> when there is nothing to do or the configuration is wrong.</summary>
public sealed class DeadLettersCommandTests
{
    private const string Password = "pw-S3cret-4711";

    [Fact]
    public async Task List_UnknownDatabase_ExitsTwoNamingTheSettingWithoutThePassword()
    {
        var server = await PostgresServer.GetAsync();
        var options = Options(new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("dlcmd")) { Database = "no_such_database", Password = Password }.ConnectionString);

        var (code, output) = await RunAsync(["dead-letters", "list", "--config", WalSyncProcess.WriteConfig(options)]);

        Assert.True(code == 2, output);
        Assert.Contains("Database in Postgres:ConnectionString", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_NothingPending_ExitsZero()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dlcmd");
        var options = Options(database);

        var (code, output) = await RunAsync(["dead-letters", "retry", "--config", WalSyncProcess.WriteConfig(options)]);

        Assert.True(code == 0, output);
        Assert.Contains("Retried 0 dead letters", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_MissingConfigurationFile_ExitsTwo()
    {
        var (code, output) = await RunAsync(["dead-letters", "list", "--config", "/nonexistent/walsync.json"]);

        Assert.Equal(2, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }

    private static WalSyncOptions Options(string connectionString)
    {
        var options = new WalSyncOptions { Postgres = new PostgresOptions { ConnectionString = connectionString } };
        options.Typesense.Nodes.Add("http://127.0.0.1:1");
        options.Typesense.ApiKey = "unused";
        options.Tables.Add(new TableOptions { Table = "public.items" });
        return options;
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] arguments)
    {
        await using var process = WalSyncProcess.Start(arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }
}

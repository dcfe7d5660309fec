using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using WalSync.Configuration;
using WalSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WalSync.Tests.Configuration;

/// <summary>
/// A configuration that is valid as a file but wrong for the environment: the real <c>walsync run</c> exits with
/// code 2 and a message that says what to fix, or, for a server it cannot reach yet, keeps running and retries.
/// Never a stack trace, never the password or the API key.
/// </summary>
public sealed class EnvironmentCheckTests : IClassFixture<EnvironmentFixture>
{
    private const string Password = "pw-S3cret-4711";
    private const string WrongApiKey = "key-S3cret-wrong";
    private readonly EnvironmentFixture _fixture;
    private readonly ITestOutputHelper _output;

    public EnvironmentCheckTests(EnvironmentFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public static TheoryData<string> Cases => new()
    {
        "unknown database", "wrong password", "wal_level replica", "no REPLICATION", "no SELECT", "unknown table", "table without a key", "wrong API key",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_EnvironmentMustBeFixed_ExitsTwoWithTheFix(string name)
    {
        var (options, expected) = Case(name);
        await using var process = WalSyncProcess.Run(options);

        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = process.Output;
        _output.WriteLine($"{name}: exit {code}: {output}");
        Assert.True(code == 2, $"{name}: exit code {code}: {output}");
        Assert.All(expected, text => Assert.Contains(text, output, StringComparison.Ordinal));
        AssertClean(output, options);
    }

    [Fact]
    public async Task Run_PostgresUnreachable_KeepsRunningAndRetriesWithBackoff()
    {
        var options = Options();
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString) { Port = ClosedPort() }.ConnectionString;
        await using var process = WalSyncProcess.Run(options);

        await Eventually.HoldsAsync(() => Task.FromResult(Count(process.Output, "trying again in") >= 2), TimeSpan.FromSeconds(60),
            "two reconnect attempts", () => Task.FromResult(process.Output));

        Assert.False(Process.GetProcessById(process.Id).HasExited);
        var port = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString).Port;
        Assert.Contains($"PostgreSQL at 127.0.0.1:{port} cannot be reached", process.Output, StringComparison.Ordinal);
        Assert.Contains("check Host and Port in Postgres:ConnectionString", process.Output, StringComparison.Ordinal);
        // Delays read like "0.6 s", never like 00:00:00.6060232.
        Assert.Matches(@"trying again in \d+(\.\d+)? s", process.Output);
        Assert.DoesNotMatch(@"00:00:\d\d\.\d+", process.Output);
        AssertClean(process.Output, options);
        process.Terminate();
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        _output.WriteLine($"exit {code}: {process.Output}");
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Run_TypesenseUnreachable_KeepsRunningAndRetriesWithBackoff()
    {
        var options = Options();
        options.Typesense.Nodes[0] = $"http://127.0.0.1:{ClosedPort()}";
        options.ShutdownTimeout = TimeSpan.FromSeconds(3);
        await using var process = WalSyncProcess.Run(options);

        await Eventually.HoldsAsync(() => Task.FromResult(Count(process.Output, "retrying in") >= 2), TimeSpan.FromSeconds(60),
            "two retries", () => Task.FromResult(process.Output));

        Assert.False(Process.GetProcessById(process.Id).HasExited);
        Assert.Contains("Connection refused", process.Output, StringComparison.Ordinal);
        Assert.Contains($"at {new Uri(options.Typesense.Nodes[0]).Authority} (", process.Output, StringComparison.Ordinal);
        Assert.Contains("check Typesense:Nodes", process.Output, StringComparison.Ordinal);
        Assert.Matches(@"retrying in \d+(\.\d+)? s", process.Output);
        AssertClean(process.Output, options);
        process.Terminate();
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        _output.WriteLine($"exit {code}: {process.Output}");
    }

    private (WalSyncOptions Options, string[] Expected) Case(string name)
    {
        var options = Options();
        var connection = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString);
        string[] expected;
        switch (name)
        {
            case "unknown database":
                connection.Database = "no_such_database";
                expected = ["database \"no_such_database\" does not exist", "Database in Postgres:ConnectionString"];
                break;
            case "wrong password":
                connection = new NpgsqlConnectionStringBuilder(_fixture.Replica.ConnectionString) { Username = _fixture.PasswordRole, Password = Password };
                expected = ["PostgreSQL refused the login", "Postgres:ConnectionString"];
                break;
            case "wal_level replica":
                connection = new NpgsqlConnectionStringBuilder(_fixture.Replica.ConnectionString) { Password = Password };
                expected = ["wal_level is 'replica'", "ALTER SYSTEM SET wal_level = logical"];
                break;
            case "no REPLICATION":
                connection.Username = _fixture.NoReplicationRole;
                expected = [$"The role '{_fixture.NoReplicationRole}' cannot stream from a replication slot", "WITH REPLICATION"];
                break;
            case "no SELECT":
                connection.Username = _fixture.NoSelectRole;
                expected = [$"cannot read public.items", $"GRANT SELECT ON public.items TO {_fixture.NoSelectRole}"];
                break;
            case "unknown table":
                options.Tables[0].Table = "public.nothere";
                expected = ["the table public.nothere does not exist"];
                break;
            case "table without a key":
                options.Tables[0].Table = "public.nokey";
                expected = ["The table public.nokey has no primary key", "ADD PRIMARY KEY"];
                break;
            case "wrong API key":
                options.Typesense.ApiKey = WrongApiKey;
                expected = ["Typesense refused the API key", "Typesense:ApiKey"];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such case");
        }
        connection.Password ??= Password;
        options.Postgres.ConnectionString = connection.ConnectionString;
        return (options, expected);
    }

    private WalSyncOptions Options()
    {
        var options = _fixture.Harness.Options(("public.items", "items"));
        options.Postgres.ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString) { Password = Password }.ConnectionString;
        return options;
    }

    /// <summary>No stack trace, no password, no API key.</summary>
    private static void AssertClean(string output, WalSyncOptions options)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain(options.Typesense.ApiKey, output, StringComparison.Ordinal);
    }

    private static int Count(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

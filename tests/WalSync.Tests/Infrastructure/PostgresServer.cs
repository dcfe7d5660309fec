using Npgsql;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests share: the server named by <c>WALSYNC_TEST_PG</c> (a connection string to a
/// superuser on a server with <c>wal_level = logical</c>), or else one <see cref="TestServer"/> (a container of
/// <c>WALSYNC_TEST_IMAGE</c>, or a throwaway cluster of the machine's binaries) started on first use and stopped when the
/// test process exits. Each test class takes a fresh database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;
    private static int _databaseCounter;
    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString, TestServer? server)
    {
        _adminConnectionString = adminConnectionString;
        Server = server;
    }

    /// <summary>The server the tests started, or null when they use <c>WALSYNC_TEST_PG</c>.</summary>
    public TestServer? Server { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var external = Environment.GetEnvironmentVariable("WALSYNC_TEST_PG");
                if (!string.IsNullOrWhiteSpace(external))
                {
                    _shared = new PostgresServer(external, null);
                    await TestServerReport.AddAsync($"{await ScalarAsync<string>(external, "SHOW server_version")} | WALSYNC_TEST_PG");
                }
                else
                {
                    var server = await TestServer.StartAsync();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    _shared = new PostgresServer(server.ConnectionString, server);
                }
            }
            return _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database and returns a superuser connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix.ToLowerInvariant()}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = false }.ConnectionString;
    }

    /// <summary>Runs SQL statements on <paramref name="connectionString"/>.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query and returns its first column of the first row.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

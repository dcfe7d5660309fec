using Npgsql;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server that tests own: a container of <see cref="TestImage.Name"/> when it is set, otherwise a
/// throwaway cluster from the machine's binaries. Either way a superuser connects over TCP on 127.0.0.1.
/// </summary>
public abstract class TestServer : IAsyncDisposable
{
    /// <summary>A superuser connection string to the database <c>postgres</c>, without pooling.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>What kind of server this is and where it runs, for the test report.</summary>
    public abstract string Kind { get; }

    /// <summary>Starts a server with extra <c>postgresql.conf</c> lines (e.g. <c>max_slot_wal_keep_size = 1MB</c>).</summary>
    public static async Task<TestServer> StartAsync(params string[] settings)
    {
        TestServer server = TestImage.Name is { } image
            ? await ContainerTestServer.StartAsync(image, settings)
            : await LocalTestServer.StartAsync(settings);
        await TestServerReport.AddAsync(server);
        return server;
    }

    /// <summary>Restarts the server (fast shutdown, then start) on the same port.</summary>
    public abstract Task RestartAsync();

    /// <summary>The server's version (<c>SHOW server_version</c>).</summary>
    public async Task<string> VersionAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Stops the server and removes its data.</summary>
    public abstract ValueTask DisposeAsync();
}

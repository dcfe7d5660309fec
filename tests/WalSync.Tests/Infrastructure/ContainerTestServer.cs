using System.Net;
using System.Net.Sockets;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;

namespace WalSync.Tests.Infrastructure;

/// <summary>
/// PostgreSQL in a container of a test image, started with Testcontainers. The server's port is published on a fixed
/// host port so that a restart keeps the connection string valid.
/// </summary>
/// <remarks>The resource reaper is off where these tests run (its image cannot be pulled), so every container is
/// removed on dispose, and <c>tests/containers/run</c> removes whatever a killed test process left.</remarks>
public sealed class ContainerTestServer : TestServer
{
    /// <summary>The superuser's password (the entrypoint gives it to initdb).</summary>
    public const string Password = "postgres";

    private readonly PostgreSqlContainer _container;
    private readonly string _image;

    private ContainerTestServer(PostgreSqlContainer container, string image, int port)
    {
        _container = container;
        _image = image;
        Port = port;
    }

    /// <summary>The host port that reaches the server.</summary>
    public int Port { get; }

    /// <summary>The container, for tests that exec in it or connect it to networks.</summary>
    public IContainer Container => _container;

    /// <inheritdoc/>
    public override string ConnectionString => ConnectionStringFor("postgres");

    /// <inheritdoc/>
    public override string Kind => $"container {_image} ({_container.Name.TrimStart('/')}), Testcontainers, port {Port}";

    /// <summary>A superuser connection string to <paramref name="database"/>, without pooling.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = Password,
        Database = database,
        Pooling = false,
    }.ConnectionString;

    /// <summary>Starts a container of <paramref name="image"/> with the test settings and <paramref name="settings"/>.</summary>
    /// <param name="image">A test image (<c>tests/containers/images</c>).</param>
    /// <param name="settings"><c>postgresql.conf</c> lines added to <see cref="TestImage.ServerSettings"/>.</param>
    /// <param name="configure">Further configuration, e.g. a network and aliases.</param>
    public static async Task<ContainerTestServer> StartAsync(string image, IEnumerable<string> settings,
        Func<PostgreSqlBuilder, PostgreSqlBuilder>? configure = null)
    {
        var port = FreePort();
        var builder = new PostgreSqlBuilder(image)
            .WithPassword(Password)
            .WithPortBinding(port, PostgreSqlBuilder.PostgreSqlPort)
            .WithLabel("org.walsync.test", "postgres")
            // PostgreSQL's dynamic shared memory lives in /dev/shm, which Docker makes 64 MB by default.
            .WithCreateParameterModifier(parameters => (parameters.HostConfig ??= new HostConfig()).ShmSize = 256L * 1024 * 1024);
        foreach (var setting in TestImage.ServerSettings.Concat(settings.Select(TestImage.AsArgument)))
        {
            builder = builder.WithCommand("-c", setting);
        }
        var container = (configure?.Invoke(builder) ?? builder).Build();
        try
        {
            await container.StartAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        return new ContainerTestServer(container, image, port);
    }

    /// <inheritdoc/>
    public override async Task RestartAsync()
    {
        await _container.StopAsync();
        await _container.StartAsync();
    }

    /// <summary>Kills the container with SIGKILL: the server stops at once, as in a crash or a lost machine.</summary>
    public async Task KillAsync()
    {
        var endpoint = TestcontainersSettings.OS.DockerEndpointAuthConfig;
        using var client = endpoint.GetDockerClientBuilder(ResourceReaper.DefaultSessionId).Build();
        await client.Containers.KillContainerAsync(_container.Id, new ContainerKillParameters { Signal = "KILL" });
    }

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => _container.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

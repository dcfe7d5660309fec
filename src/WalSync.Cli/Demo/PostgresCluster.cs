using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WalSync.Cli.Demo;

/// <summary>
/// A throwaway PostgreSQL cluster (initdb + pg_ctl from the machine's PostgreSQL binaries) with
/// <c>wal_level = logical</c>, listening on 127.0.0.1 on a free port, its data in a temporary directory that is
/// removed on dispose. Used by <c>walsync demo</c> and by the tests.
/// </summary>
/// <remarks>initdb refuses to run as root, so when this process is root the server runs as the <c>postgres</c> user
/// (created by Debian's <c>postgresql</c> package).</remarks>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const string RunAsUser = "postgres";
    private readonly string _binDirectory;
    private readonly string _directory;
    private bool _stopped;

    private PostgresCluster(string binDirectory, string directory, int port)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A connection string for the superuser <c>postgres</c> (trust authentication) to database <c>postgres</c>.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>The server's log file.</summary>
    public string LogFile => Path.Combine(_directory, "server.log");

    /// <summary>The data directory (postgresql.conf, pg_hba.conf).</summary>
    public string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>A connection string for the superuser to <paramref name="database"/>.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        Pooling = false,
    }.ConnectionString;

    /// <summary>Creates and starts a cluster.</summary>
    /// <param name="settings">Extra <c>postgresql.conf</c> lines, e.g. <c>max_slot_wal_keep_size = 1MB</c>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="PostgresClusterException">No PostgreSQL server binaries were found, or initdb/pg_ctl failed (the message holds their output).</exception>
    public static async Task<PostgresCluster> StartAsync(IEnumerable<string>? settings = null, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory() ?? throw new PostgresClusterException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found in /usr/lib/postgresql/*/bin or on PATH. " +
            "Install them with: apt-get update && apt-get install -y postgresql");
        var directory = Directory.CreateTempSubdirectory("walsync-pg-").FullName;
        var cluster = new PostgresCluster(bin, directory, FreePort());
        try
        {
            await cluster.InitAsync(settings ?? [], cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task InitAsync(IEnumerable<string> settings, CancellationToken cancellationToken)
    {
        var data = Path.Combine(_directory, "data");
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", RunAsUser, _directory], cancellationToken);
        }
        await RunPostgresToolAsync("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], cancellationToken);
        var conf = new List<string>
        {
            "listen_addresses = '127.0.0.1'",
            $"port = {Port}",
            $"unix_socket_directories = '{_directory}'",
            "wal_level = logical",
            "max_wal_senders = 40",
            "max_replication_slots = 100",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "logical_decoding_work_mem = 64kB",
            "max_connections = 100",
            "shared_buffers = 128MB",
        };
        conf.AddRange(settings);
        await File.AppendAllLinesAsync(Path.Combine(data, "postgresql.conf"), conf, cancellationToken);
        await File.AppendAllLinesAsync(Path.Combine(data, "pg_hba.conf"),
            ["host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust"], cancellationToken);
        await RunPostgresToolAsync("pg_ctl", ["-D", data, "-l", LogFile, "-w", "-t", "60", "start"], cancellationToken);
    }

    /// <summary>Restarts the server (fast shutdown, then start), e.g. to test reconnection.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default) =>
        await RunPostgresToolAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-l", LogFile, "-w", "-t", "60", "-m", "fast", "restart"], cancellationToken);

    /// <summary>Stops the server and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        try
        {
            if (Directory.Exists(Path.Combine(_directory, "data", "global")))
            {
                await RunPostgresToolAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-w", "-t", "30", "-m", "immediate", "stop"], CancellationToken.None);
            }
        }
        catch (PostgresClusterException)
        {
            // The server may already be gone; the directory is removed either way.
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task RunPostgresToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory, tool);
        return Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", RunAsUser, "--", path, .. arguments], cancellationToken)
            : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PostgresClusterException($"Could not start {fileName} ({e.Message}). It comes with the PostgreSQL server package " +
                "(initdb, pg_ctl) or util-linux (runuser, needed when running as root); check that it is installed and on PATH.");
        }
        using var process = started ?? throw new PostgresClusterException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new PostgresClusterException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static string? FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return candidates.Concat(onPath).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

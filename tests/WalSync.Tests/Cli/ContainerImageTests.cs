using System.Diagnostics;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>The Dockerfile of the README: the Native AOT build on a local base image, checked and run against a real
/// PostgreSQL and the emulator, stopped gracefully by <c>docker stop</c>.</summary>
public sealed class ContainerImageTests : IAsyncLifetime
{
    private const string Expected = "SELECT id::text AS id, name FROM parcels";
    private readonly string _context = Directory.CreateTempSubdirectory("walsync-image-").FullName;
    private readonly string _tag = "walsync-test:" + Guid.NewGuid().ToString("N")[..8];
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("image", requireEmulator: true);
        await _harness.ExecuteAsync("CREATE TABLE parcels (id int PRIMARY KEY, name text); INSERT INTO parcels SELECT g, 'parcel ' || g FROM generate_series(1, 50) g;");
    }

    public async Task DisposeAsync()
    {
        await RunAsync("docker", ["image", "rm", "-f", _tag], TimeSpan.FromMinutes(1));
        Directory.Delete(_context, recursive: true);
        await _harness.DisposeAsync();
    }

    [DockerFact]
    public async Task Image_BuiltOnTheLocalBase_ChecksRunsAndStopsCleanly()
    {
        var root = CommandLineTests.RepositoryRoot();
        var publish = await RunAsync("dotnet", ["publish", Path.Combine(root, "src", "WalSync.Cli"), "-c", "Release", "-r", "linux-x64",
            "-p:PublishAot=true", "-o", Path.Combine(_context, "out", "linux-x64")], TimeSpan.FromMinutes(15));
        Assert.True(publish.Code == 0, publish.Output);
        File.Copy(Path.Combine(root, "Dockerfile"), Path.Combine(_context, "Dockerfile"));
        File.Copy(Path.Combine(root, ".dockerignore"), Path.Combine(_context, ".dockerignore"));
        var build = await RunAsync("docker", ["build", "--build-arg", "BASE_IMAGE=" + Environment.GetEnvironmentVariable(DockerFactAttribute.BaseImageVariable),
            "--build-arg", "INSTALL_PACKAGES=false", "-t", _tag, _context], TimeSpan.FromMinutes(10));
        Assert.True(build.Code == 0, build.Output);
        var options = _harness.Options(("public.parcels", "parcels"));
        var config = WalSyncProcess.WriteConfig(options);
        if (!OperatingSystem.IsWindows())
        {
            // The image runs as an unprivileged user.
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        string[] docker = ["run", "--rm", "--network", "host", "-v", $"{config}:/etc/walsync/walsync.json:ro"];

        var check = await RunAsync("docker", [.. docker, _tag, "check", "--config", "/etc/walsync/walsync.json"], TimeSpan.FromMinutes(2));
        Assert.True(check.Code == 0, check.Output);

        var name = "walsync-test-" + Guid.NewGuid().ToString("N")[..8];
        var run = RunAsync("docker", [.. docker, "--name", name, _tag], TimeSpan.FromMinutes(5));
        await _harness.WaitForConvergenceAsync("parcels", Expected);
        await _harness.ExecuteAsync("UPDATE parcels SET name = 'moved' WHERE id = 7");
        await _harness.WaitForConvergenceAsync("parcels", Expected);
        await RunAsync("docker", ["stop", "--time", "30", name], TimeSpan.FromMinutes(1));
        var stopped = await run;
        Assert.True(stopped.Code == 0, stopped.Output);
        Assert.Contains("Stopped; last acknowledged LSN", stopped.Output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await output + await error);
    }
}

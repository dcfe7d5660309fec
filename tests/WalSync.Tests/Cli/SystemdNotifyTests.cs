using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using WalSync.Tests.Infrastructure;

namespace WalSync.Tests.Cli;

/// <summary>
/// <c>samples/walsync.service</c> is <c>Type=notify</c>: started by systemd, walsync sends <c>READY=1</c> once it runs and
/// <c>STOPPING=1</c> on SIGTERM, over the datagram socket named by <c>NOTIFY_SOCKET</c>. Microsoft.Extensions.Hosting.Systemd
/// takes a process whose parent is named <c>systemd</c> for a service, so the test starts walsync from a shell of that name.
/// </summary>
public sealed class SystemdNotifyTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("walsync-notify-").FullName;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync("notify");
        await _harness.ExecuteAsync("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'one'), (2, 'two');");
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Run_StartedBySystemd_NotifiesReadyThenStoppingAndExitsZero()
    {
        var socketPath = Path.Combine(_directory, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var systemd = Path.Combine(_directory, "systemd");
        File.Copy("/bin/sh", systemd);
        var start = new ProcessStartInfo(systemd) { RedirectStandardOutput = true, RedirectStandardError = true };
        // The shell runs walsync as its child, as systemd's service process would ("$@": the command, then its arguments).
        string[] arguments = ["-c", "\"$@\"; exit $?", "systemd", WalSyncProcess.Command.FileName, .. WalSyncProcess.Command.Arguments, "run",
            "--config", WalSyncProcess.WriteConfig(_harness.Options(("public.notes", "notes")))];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        using var shell = Process.Start(start)!;
        var output = shell.StandardOutput.ReadToEndAsync();
        var errors = shell.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("READY=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(60)));
            await _harness.WaitForConvergenceAsync("notes", "SELECT id::text AS id, body FROM notes");

            var walsync = Child(shell.Id);
            Process.Start("kill", ["-TERM", walsync.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

            Assert.Equal("STOPPING=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(30)));
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await shell.WaitForExitAsync(exit.Token);
            Assert.True(shell.ExitCode == 0, $"exit code {shell.ExitCode}: {await output}{await errors}");
        }
        finally
        {
            if (!shell.HasExited)
            {
                shell.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(timeout);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }

    /// <summary>The one child process of <paramref name="pid"/> (the shell runs walsync as its child).</summary>
    private static int Child(int pid)
    {
        var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(Assert.Single(children), System.Globalization.CultureInfo.InvariantCulture);
    }
}

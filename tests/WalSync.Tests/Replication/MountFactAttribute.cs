using System.Diagnostics;

namespace WalSync.Tests.Replication;

/// <summary>A test that mounts a small tmpfs of its own: skipped, saying why, when this process may not mount one
/// (root on a machine may; an unprivileged container may not). Tried once, on a throwaway directory.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Refusal = new(Probe);

    public MountFactAttribute()
    {
        if (Refusal.Value is { } why)
        {
            Skip = $"mounts a tmpfs, which this process may not ({why}): run the tests as root on a machine";
        }
    }

    private static string? Probe()
    {
        var directory = Directory.CreateTempSubdirectory("walsync-mount-probe-").FullName;
        try
        {
            using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", directory]) { RedirectStandardError = true })!;
            var error = mount.StandardError.ReadToEnd().Trim();
            mount.WaitForExit();
            if (mount.ExitCode != 0)
            {
                return error;
            }
            using var unmount = Process.Start("umount", [directory]);
            unmount.WaitForExit();
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message; // no mount command
        }
        finally
        {
            Directory.Delete(directory);
        }
    }
}

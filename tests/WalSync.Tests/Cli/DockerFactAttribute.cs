using System.Diagnostics;

namespace WalSync.Tests.Cli;

/// <summary>
/// A test of the container image: it runs only where a Docker engine answers and the base image named by
/// <c>WALSYNC_TEST_BASE_IMAGE</c> is present locally (no registry is reachable on the build machines, so the base is
/// built there from Debian's packages); otherwise it is skipped with the reason.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    /// <summary>The environment variable that names the local base image.</summary>
    public const string BaseImageVariable = "WALSYNC_TEST_BASE_IMAGE";

    public DockerFactAttribute()
    {
        var image = Environment.GetEnvironmentVariable(BaseImageVariable);
        if (string.IsNullOrWhiteSpace(image))
        {
            Skip = $"{BaseImageVariable} is not set: name a local glibc-based image (e.g. a Debian base built without a registry) to build WalSync's image on";
        }
        else if (!Succeeds("docker", "info"))
        {
            Skip = "no Docker engine answers 'docker info'";
        }
        else if (!Succeeds("docker", "image", "inspect", image))
        {
            Skip = $"the base image '{image}' is not present on the local Docker engine";
        }
    }

    private static bool Succeeds(string file, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(30_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

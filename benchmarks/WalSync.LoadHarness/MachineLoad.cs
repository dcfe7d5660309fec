using System.Globalization;

namespace WalSync.LoadHarness;

/// <summary>The machine's load, for the report: the figures of a shared machine say little without it.</summary>
internal static class MachineLoad
{
    /// <summary>The 1-minute load average (runnable and waiting tasks, as <c>uptime</c> prints it), or NaN where /proc/loadavg is missing.</summary>
    public static double OneMinute() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : double.NaN;
}

using System.Globalization;

namespace WalSync.Tests.Faults;

/// <summary>Memory figures of a Linux process from <c>/proc/&lt;pid&gt;/status</c>.</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set size (VmHWM) in bytes, or null when it cannot be read (not Linux, process gone).</summary>
    public static long? PeakResidentBytes(int processId) => ReadKilobytes(processId, "VmHWM:") * 1024;

    /// <summary>The current resident set size (VmRSS) in bytes, or null.</summary>
    public static long? ResidentBytes(int processId) => ReadKilobytes(processId, "VmRSS:") * 1024;

    private static long? ReadKilobytes(int processId, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Runtime.InteropServices;

namespace WalSync.DeadLetters;

/// <summary>
/// Writes a whole file so that after a crash it is either absent or complete: the bytes go to a temporary file that
/// is flushed to disk (fsync), renamed over the target, and the directory is flushed too so the rename itself lasts.
/// </summary>
/// <remarks>Why the directory needs an fsync as well: https://man7.org/linux/man-pages/man2/fsync.2.html (NOTES).</remarks>
internal static class DurableFile
{
    /// <summary>Suffix of files being written; readers skip them.</summary>
    public const string TemporarySuffix = ".tmp";

    private const int ReadOnly = 0;

    /// <summary>Replaces (or creates) <paramref name="path"/> with <paramref name="content"/>, durably.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temporary = path + TemporarySuffix;
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(content, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Flushes a directory's entries to disk; a no-op where directories cannot be opened (Windows: NTFS journals them).</summary>
    private static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }
        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot flush directory {directory} to disk (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}

namespace WalSync.LoadHarness;

/// <summary>Finds the walsync.dll to run.</summary>
internal static class WalSyncLocator
{
    /// <summary>
    /// <paramref name="path"/> when given; otherwise src/WalSync.Cli/bin/Release/net10.0/walsync.dll of the repository
    /// the harness was built in, or else the copy built next to the harness.
    /// </summary>
    /// <exception cref="FileNotFoundException">No walsync.dll is there.</exception>
    public static string Find(string? path)
    {
        if (path is not null)
        {
            return File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"{path} does not exist.", path);
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WalSync.sln")))
            {
                var built = Path.Combine(directory.FullName, "src", "WalSync.Cli", "bin", "Release", "net10.0", "walsync.dll");
                if (File.Exists(built))
                {
                    return built;
                }
                break;
            }
        }
        var beside = Path.Combine(AppContext.BaseDirectory, "walsync.dll");
        return File.Exists(beside) ? beside : throw new FileNotFoundException("walsync.dll was not found; build with dotnet build -c Release.", beside);
    }
}

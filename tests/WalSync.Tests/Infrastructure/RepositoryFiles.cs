namespace WalSync.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from (samples, README).</summary>
public static class RepositoryFiles
{
    /// <summary>The repository's root: the first directory above the test binaries that holds <c>WalSync.sln</c>.</summary>
    public static string Root
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "WalSync.sln")))
                {
                    return directory.FullName;
                }
            }
            throw new InvalidOperationException($"No WalSync.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The full path of <paramref name="relative"/> (with '/' separators) under the root.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
}

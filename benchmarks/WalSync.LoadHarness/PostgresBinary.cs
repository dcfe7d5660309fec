namespace WalSync.LoadHarness;

/// <summary>Finds PostgreSQL's client programs (pg_recvlogical, psql) among the machine's server binaries.</summary>
internal static class PostgresBinary
{
    /// <summary>The path of <paramref name="name"/> in the newest /usr/lib/postgresql/*/bin that has it.</summary>
    /// <exception cref="InvalidOperationException">It is not there.</exception>
    public static string Find(string name)
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin", name))
            : [];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{name} was not found in /usr/lib/postgresql/*/bin; install the postgresql package.");
    }
}

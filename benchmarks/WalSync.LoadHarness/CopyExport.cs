using System.Diagnostics;
using System.Globalization;
using WalSync.Cli.Demo;

namespace WalSync.LoadHarness;

/// <summary>
/// The backfill's baseline: <c>psql -c "\copy products to /dev/null"</c>, PostgreSQL's own fastest way to read a whole
/// table out, in the text forms walsync reads too. psql does nothing with the rows, so its time is what the server
/// needs to scan the table and send it.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/app-psql.html (<c>\copy</c> runs <c>COPY … TO STDOUT</c> and writes
/// the rows to the file on the client side; it prints <c>COPY n</c> when done).</remarks>
internal static class CopyExport
{
    /// <summary>Copies <paramref name="table"/> of <paramref name="database"/> to /dev/null.</summary>
    /// <returns>How long it took and the rows it copied.</returns>
    /// <exception cref="InvalidOperationException">psql is missing or failed.</exception>
    public static async Task<(TimeSpan Elapsed, long Rows)> RunAsync(PostgresCluster cluster, string database, string table)
    {
        var start = new ProcessStartInfo(PostgresBinary.Find("psql")) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])[
            "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-d", database, "-c", $"\\copy {table} to /dev/null"])
        {
            start.ArgumentList.Add(argument);
        }
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = stopwatch.Elapsed;
        var output = (await stdout).Trim();
        if (process.ExitCode != 0 || !output.StartsWith("COPY ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"psql exited with {process.ExitCode}: {output} {await stderr}");
        }
        return (elapsed, long.Parse(output["COPY ".Length..], CultureInfo.InvariantCulture));
    }
}

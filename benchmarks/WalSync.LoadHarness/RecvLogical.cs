using System.Diagnostics;
using System.Globalization;
using NpgsqlTypes;
using WalSync.Cli.Demo;

namespace WalSync.LoadHarness;

/// <summary>
/// The baseline: <c>pg_recvlogical</c> draining a pgoutput slot into /dev/null until the workload's end LSN. It does
/// nothing with what it receives, so its time is what the WAL sender needs to decode and send the workload.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/app-pgrecvlogical.html: with <c>--endpos</c> it stops after the record
/// at that LSN, which for a Commit message is the transaction's end LSN.</remarks>
internal static class RecvLogical
{
    /// <summary>Runs pg_recvlogical on <paramref name="slot"/> and returns how long it took.</summary>
    /// <exception cref="InvalidOperationException">pg_recvlogical is missing or failed.</exception>
    public static async Task<TimeSpan> RunAsync(PostgresCluster cluster, string database, string slot, NpgsqlLogSequenceNumber endLsn)
    {
        var start = new ProcessStartInfo(PostgresBinary.Find("pg_recvlogical")) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])[
            "-h", "127.0.0.1", "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database,
            "--slot", slot, "--start", "--endpos", endLsn.ToString(), "--no-loop", "--plugin=pgoutput",
            "-o", "proto_version=1", "-o", "publication_names=walsync", "-f", "/dev/null"])
        {
            start.ArgumentList.Add(argument);
        }
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pg_recvlogical did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = stopwatch.Elapsed;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_recvlogical exited with {process.ExitCode}: {await stderr}");
        }
        return elapsed;
    }
}

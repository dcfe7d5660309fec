using System.Globalization;
using System.Text.RegularExpressions;
using NpgsqlTypes;

namespace WalSync.Cli.Http;

/// <summary>The query of <c>GET /wait?lsn=0/16B3748&amp;timeout=5s</c>, checked.</summary>
/// <param name="Lsn">The position to wait for: <c>pg_current_wal_lsn()</c> read after the commit.</param>
/// <param name="Timeout">How long to wait at most.</param>
public sealed partial record WaitRequest(NpgsqlLogSequenceNumber Lsn, TimeSpan Timeout)
{
    /// <summary>The wait when the query names none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait a request may ask for.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Parses the query values; on failure <paramref name="error"/> says what is wrong and how to write it.</summary>
    public static bool TryParse(string? lsn, string? timeout, out WaitRequest? request, out string? error)
    {
        request = null;
        if (string.IsNullOrWhiteSpace(lsn))
        {
            error = "lsn is missing: pass the position SELECT pg_current_wal_lsn() returned after your commit, e.g. /wait?lsn=0/16B3748&timeout=5s.";
            return false;
        }
        if (!NpgsqlLogSequenceNumber.TryParse(lsn.Trim(), out var position) || position == NpgsqlLogSequenceNumber.Invalid)
        {
            error = $"lsn '{Shorten(lsn)}' is not a WAL position; write it as PostgreSQL prints it, e.g. 0/16B3748.";
            return false;
        }
        var wait = DefaultTimeout;
        if (!string.IsNullOrWhiteSpace(timeout) && !TryParseDuration(timeout.Trim(), out wait))
        {
            error = $"timeout '{Shorten(timeout)}' is not a duration; write it like 500ms, 5s or 1m (at most {MaxTimeout.TotalMinutes:0}m).";
            return false;
        }
        if (wait > MaxTimeout)
        {
            error = $"timeout '{Shorten(timeout!)}' is longer than {MaxTimeout.TotalMinutes:0}m; wait again after it ends instead.";
            return false;
        }
        request = new WaitRequest(position, wait);
        error = null;
        return true;
    }

    /// <summary>Reads <c>250ms</c>, <c>5s</c>, <c>1.5s</c>, <c>2m</c>, a plain number of seconds, or <c>hh:mm:ss</c>.</summary>
    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Duration().Match(text);
        if (match.Success)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            duration = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "m" => TimeSpan.FromMinutes(Math.Min(value, 1e6)),
                _ => TimeSpan.FromSeconds(Math.Min(value, 1e9)),
            };
            return true;
        }
        return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    [GeneratedRegex("^([0-9]{1,9}(?:\\.[0-9]{1,6})?)(ms|s|m)?$")]
    private static partial Regex Duration();
}

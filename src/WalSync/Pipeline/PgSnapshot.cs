using System.Globalization;

namespace WalSync.Pipeline;

/// <summary>
/// A PostgreSQL snapshot as <c>pg_current_snapshot()</c> writes it (<c>xmin:xmax:xip1,xip2,…</c>, 64-bit transaction
/// ids): which transactions a query running in it could see.
/// </summary>
/// <remarks>https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-PG-SNAPSHOT-PARTS</remarks>
internal sealed class PgSnapshot
{
    private readonly ulong _xmin;
    private readonly ulong _xmax;
    private readonly HashSet<ulong> _inProgress;

    private PgSnapshot(ulong xmin, ulong xmax, HashSet<ulong> inProgress)
    {
        _xmin = xmin;
        _xmax = xmax;
        _inProgress = inProgress;
    }

    /// <summary>Parses <c>pg_current_snapshot()::text</c>.</summary>
    /// <exception cref="FormatException">The text is not a snapshot.</exception>
    public static PgSnapshot Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length != 3)
        {
            throw new FormatException($"'{text}' is not a PostgreSQL snapshot (xmin:xmax:xip).");
        }
        var inProgress = parts[2].Length == 0 ? [] : parts[2].Split(',').Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)).ToHashSet();
        return new PgSnapshot(ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture), inProgress);
    }

    /// <summary>True when the snapshot does not see the transaction <paramref name="xid"/> (the 32-bit id of a Begin
    /// message), though it may have committed: it was running, or had not started, when the snapshot was taken.</summary>
    public bool Hides(uint xid)
    {
        // The 64-bit id is the one nearest to xmax with these low 32 bits: the transaction is recent.
        var full = (_xmax & ~0xFFFF_FFFFUL) | xid;
        if (full > _xmax + int.MaxValue && full >= 1UL << 32)
        {
            full -= 1UL << 32;
        }
        return full >= _xmax || (full >= _xmin && _inProgress.Contains(full));
    }
}

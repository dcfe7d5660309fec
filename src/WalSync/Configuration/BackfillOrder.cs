namespace WalSync.Configuration;

/// <summary>The order in which a backfill reads a table (<c>Backfill:Order</c>).</summary>
public enum BackfillOrder
{
    /// <summary>Page by page, in the order the rows lie in the table's file: each chunk is a range of pages read with a
    /// TID Range Scan (<c>WHERE ctid &gt;= '(p,0)' AND ctid &lt; '(q,0)'</c>, PostgreSQL 14+), so every page is read once,
    /// in order. A partitioned table is read in <see cref="Key"/> order. The default.</summary>
    Physical,

    /// <summary>In primary-key order (keyset pagination). Reads the heap at random when keys are not correlated with
    /// where rows lie (random UUIDs), several times slower than <see cref="Physical"/> then.</summary>
    Key,
}

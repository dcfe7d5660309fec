namespace WalSync.Configuration;

/// <summary>The <c>Backfill</c> section: how tables are read while the stream goes on (first start, tables added
/// later, rebuilds).</summary>
public sealed class BackfillOptions
{
    /// <summary>Rows read per chunk, each chunk in its own short statement; in <see cref="BackfillOrder.Physical"/> order a
    /// chunk is as many pages as hold about this many rows. Default 10000.</summary>
    public int ChunkRows { get; set; } = 10_000;

    /// <summary>The order a table is read in. Default <see cref="BackfillOrder.Physical"/>; a backfill resumed after a
    /// restart goes on in the order it began in.</summary>
    public BackfillOrder Order { get; set; } = BackfillOrder.Physical;

    /// <summary>How long, in seconds, a backfill that starts in <see cref="BackfillOrder.Physical"/> order may read the table
    /// in one sequential scan before it goes on in chunks of pages: one statement, so one snapshot held that long (which
    /// holds back vacuum), but PostgreSQL reads a large table through a small ring of buffers, about a third cheaper a
    /// row than page ranges. 0 reads in chunks of pages from the start. Default 30.</summary>
    public int ScanSeconds { get; set; } = 30;

    /// <summary>Tables backfilled at once. Default 1.</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>The table in the source database that records each backfill's progress, so that a restarted WalSync
    /// resumes at its last chunk; created when missing. Default <c>walsync.backfills</c>.</summary>
    public string Table { get; set; } = "walsync.backfills";
}

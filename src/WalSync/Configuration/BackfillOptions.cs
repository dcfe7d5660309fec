namespace WalSync.Configuration;

/// <summary>The <c>Backfill</c> section: how tables are read while the stream goes on (first start, tables added
/// later, rebuilds).</summary>
public sealed class BackfillOptions
{
    /// <summary>Rows read per chunk, in primary-key order, each chunk in its own short transaction. Default 10000.</summary>
    public int ChunkRows { get; set; } = 10_000;

    /// <summary>Tables backfilled at once. Default 1.</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>The table in the source database that records each backfill's progress, so that a restarted WalSync
    /// resumes at its last chunk; created when missing. Default <c>walsync.backfills</c>.</summary>
    public string Table { get; set; } = "walsync.backfills";
}

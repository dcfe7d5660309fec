namespace WalSync.Status;

/// <summary>How far the backfill of one table has come (<see cref="SyncStatus.Backfills"/>): a first fill, a table added
/// later or a rebuild into a new version.</summary>
public sealed class BackfillProgress
{
    /// <summary>The table, as <c>schema.table</c>.</summary>
    public required string Table { get; init; }

    /// <summary>The collection version being filled (<c>name__vN</c>).</summary>
    public string? Collection { get; init; }

    /// <summary>Rows written so far (from an earlier run too, when the backfill resumed).</summary>
    public long RowsDone { get; init; }

    /// <summary>The rows to read: PostgreSQL's estimate (<c>pg_class.reltuples</c>), or an exact count when the table was
    /// never analyzed; null while unknown.</summary>
    public long? RowsEstimate { get; init; }

    /// <summary>When this backfill started (or resumed, in this run); null while it waits for others (<c>Backfill:Parallelism</c>).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When every row of this table was written; null until then.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

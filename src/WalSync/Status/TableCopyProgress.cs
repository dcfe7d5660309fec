namespace WalSync.Status;

/// <summary>How far the copy of one table has come (<see cref="SyncStatus.Copies"/>).</summary>
public sealed class TableCopyProgress
{
    /// <summary>The table, as <c>schema.table</c>.</summary>
    public required string Table { get; init; }

    /// <summary>Rows read so far and handed to the pipeline.</summary>
    public long RowsCopied { get; init; }

    /// <summary>The rows to copy: PostgreSQL's estimate (<c>pg_class.reltuples</c>), or an exact count when the table was
    /// never analyzed; null while unknown.</summary>
    public long? RowsToCopy { get; init; }

    /// <summary>When the copy of this table started; null while it waits for the tables before it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When every row of this table was read; null until then.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

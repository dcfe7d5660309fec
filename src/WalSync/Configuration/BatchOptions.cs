namespace WalSync.Configuration;

/// <summary>The <c>Batch</c> section: when the batcher cuts a batch and how much it may buffer.</summary>
public sealed class BatchOptions
{
    /// <summary>A batch is flushed when it holds this many changes (rows). Default 5000.</summary>
    public int MaxRows { get; set; } = 5000;

    /// <summary>A batch is flushed at the latest this long after its first change. Default 2 seconds.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Changes buffered between the replication reader and the batcher; when full, reading from the slot
    /// pauses and PostgreSQL keeps the WAL. Default 20000 changes.</summary>
    public int ChannelCapacity { get; set; } = 20_000;
}

namespace WalSync.Status;

/// <summary>What a running WalSync is doing (<see cref="SyncStatus.Phase"/>).</summary>
public enum SyncPhase
{
    /// <summary>Checking the source, the publication, the slot and the collections.</summary>
    Starting,

    /// <summary>Streaming changes from the slot (and backfilling, see <see cref="SyncStatus.Backfills"/>).</summary>
    Streaming,

    /// <summary>PostgreSQL or Typesense failed; the pipeline is waiting to restart or a Typesense request is being retried
    /// (<see cref="SyncStatus.LastError"/> says why).</summary>
    Retrying,

    /// <summary>Waiting as a standby while another process streams from the slot (<c>Postgres:WaitForSlot</c>).</summary>
    Standby,

    /// <summary>Stopping: flushing and acknowledging what is in flight.</summary>
    Stopping,

    /// <summary>Stopped.</summary>
    Stopped,
}

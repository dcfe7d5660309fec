namespace WalSync.Configuration;

/// <summary>The <c>Reindex</c> section: what happens to a collection's versions after a rebuild.</summary>
public sealed class ReindexOptions
{
    /// <summary>Old versions of a collection kept after its alias moves to a rebuilt one (the newest first); older ones
    /// are dropped. Default 1, so the previous version stays at hand for a rollback.</summary>
    public int KeepVersions { get; set; } = 1;
}

namespace WalSync.Configuration;

/// <summary>The <c>DeadLetter</c> section: where documents that cannot be written are kept.</summary>
public sealed class DeadLetterOptions
{
    /// <summary>A table in the source database, created when missing. Default <c>walsync.dead_letters</c>.</summary>
    public string Table { get; set; } = "walsync.dead_letters";
}

using WalSync.Typesense;

namespace WalSync.Configuration;

/// <summary>The whole WalSync configuration: a JSON file whose keys can each be overridden by environment variables
/// prefixed <c>WALSYNC_</c> with <c>__</c> between levels (<c>WALSYNC_Typesense__ApiKey</c>).</summary>
public sealed class WalSyncOptions
{
    /// <summary>The source database.</summary>
    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>The Typesense cluster.</summary>
    public TypesenseOptions Typesense { get; set; } = new();

    /// <summary>Batching.</summary>
    public BatchOptions Batch { get; set; } = new();

    /// <summary>Where rejected documents are kept.</summary>
    public DeadLetterOptions DeadLetter { get; set; } = new();

    /// <summary>How tables are read while streaming goes on.</summary>
    public BackfillOptions Backfill { get; set; } = new();

    /// <summary>How collections follow schema changes.</summary>
    public SchemaOptions Schema { get; set; } = new();

    /// <summary>Versions kept after a rebuild.</summary>
    public ReindexOptions Reindex { get; set; } = new();

    /// <summary>The tables to keep in sync; at least one.</summary>
    public IList<TableOptions> Tables { get; set; } = new List<TableOptions>();

    /// <summary>How long a graceful stop (SIGINT/SIGTERM) may take to flush and acknowledge what is in flight before
    /// WalSync exits anyway; what was not acknowledged is sent again on the next start. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

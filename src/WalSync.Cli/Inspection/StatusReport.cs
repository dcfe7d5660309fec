using WalSync.Status;

namespace WalSync.Cli.Inspection;

/// <summary>What <c>walsync status</c> found, from PostgreSQL, Typesense and the daemon's <c>/status</c>.</summary>
public sealed class StatusReport
{
    /// <summary>The source database as <c>host:port/database</c> (never the password).</summary>
    public required string Source { get; init; }

    /// <summary>The server's WAL position, as PostgreSQL prints it; null when PostgreSQL did not answer.</summary>
    public string? ServerWalLsn { get; set; }

    /// <summary>Why PostgreSQL could not be read; null when it answered.</summary>
    public string? PostgresError { get; set; }

    /// <summary>The slot.</summary>
    public required SlotReport Slot { get; init; }

    /// <summary>The publication.</summary>
    public required PublicationReport Publication { get; init; }

    /// <summary>Each configured table with its collection.</summary>
    public List<TableReport> Tables { get; } = [];

    /// <summary>Dead letters not yet retried, by table; null when the store could not be read.</summary>
    public IReadOnlyDictionary<string, long>? DeadLettersPending { get; set; }

    /// <summary>Why Typesense could not be read; null when it answered.</summary>
    public string? TypesenseError { get; set; }

    /// <summary>Where the daemon's <c>/status</c> was asked; null when the HTTP listener is off or on a port chosen at start.</summary>
    public string? DaemonUrl { get; set; }

    /// <summary>The daemon's own status when it answered; null when it is not running (or not reachable).</summary>
    public SyncStatus? Daemon { get; set; }

    /// <summary>Why the daemon's status could not be read; null when it answered.</summary>
    public string? DaemonError { get; set; }

    /// <summary>Whether the row counts are exact (<c>--exact</c>) or PostgreSQL's estimates.</summary>
    public bool ExactCounts { get; set; }

    /// <summary>What needs attention, one sentence each with what to do; empty when healthy.</summary>
    public List<string> Attention { get; } = [];

    /// <summary>True when nothing needs attention.</summary>
    public bool Healthy => Attention.Count == 0;
}

/// <summary>The replication slot as <c>pg_replication_slots</c> shows it.</summary>
public sealed class SlotReport
{
    /// <summary>The slot's name.</summary>
    public required string Name { get; init; }

    /// <summary>Whether the slot exists.</summary>
    public bool Exists { get; set; }

    /// <summary>The PID of the walsender streaming from it; null when no process does.</summary>
    public int? ActivePid { get; set; }

    /// <summary>What the consumer acknowledged.</summary>
    public string? ConfirmedFlushLsn { get; set; }

    /// <summary>reserved, extended, unreserved or lost.</summary>
    public string? WalStatus { get; set; }

    /// <summary>WAL the slot makes the server keep (current position minus <c>restart_lsn</c>).</summary>
    public long? RetainedWalBytes { get; set; }

    /// <summary>The server's WAL position minus <c>confirmed_flush_lsn</c>.</summary>
    public long? LagBytes { get; set; }

    /// <summary>Transactions its WAL sender spilled to disk, each larger than <c>logical_decoding_work_mem</c>
    /// (<c>spill_txns</c> of <c>pg_stat_replication_slots</c>, since the slot's statistics were last reset); null when unknown.</summary>
    public long? SpilledTransactions { get; set; }

    /// <summary>Bytes of decoded changes its WAL sender spilled to disk (<c>spill_bytes</c>); null when unknown.</summary>
    public long? SpilledBytes { get; set; }

    /// <summary>Transactions its WAL sender streamed before their commit, each larger than <c>logical_decoding_work_mem</c>
    /// (<c>stream_txns</c> of <c>pg_stat_replication_slots</c>, since the slot's statistics were last reset); null when unknown.</summary>
    public long? StreamedTransactions { get; set; }

    /// <summary>Bytes of decoded changes its WAL sender streamed before their commit (<c>stream_bytes</c>); null when unknown.</summary>
    public long? StreamedBytes { get; set; }
}

/// <summary>The publication and the tables it publishes.</summary>
public sealed class PublicationReport
{
    /// <summary>The publication's name.</summary>
    public required string Name { get; init; }

    /// <summary>Whether it exists.</summary>
    public bool Exists { get; set; }

    /// <summary>The tables it publishes, as <c>schema.table</c>.</summary>
    public List<string> Tables { get; } = [];
}

/// <summary>One configured table beside its collection.</summary>
public sealed class TableReport
{
    /// <summary>The table, as <c>schema.table</c>.</summary>
    public required string Table { get; init; }

    /// <summary>The collection.</summary>
    public required string Collection { get; init; }

    /// <summary>The table's rows (under its row filter when exact); null when unknown.</summary>
    public long? Rows { get; set; }

    /// <summary>The collection's documents; null when it does not exist or Typesense did not answer.</summary>
    public long? Documents { get; set; }

    /// <summary>Whether the collection exists; null when Typesense did not answer.</summary>
    public bool? CollectionExists { get; set; }

    /// <summary>What went wrong reading this table or collection; null when nothing.</summary>
    public string? Problem { get; set; }
}

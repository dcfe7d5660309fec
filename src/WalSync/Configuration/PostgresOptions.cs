namespace WalSync.Configuration;

/// <summary>The <c>Postgres</c> section: the source database, its replication slot and publication.</summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string (<c>Host=…;Port=5432;Username=…;Password=…;Database=…</c>). The role needs
    /// the REPLICATION attribute and SELECT on the configured tables. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The logical replication slot WalSync reads (created on first start). Default <c>walsync</c>.</summary>
    public string Slot { get; set; } = "walsync";

    /// <summary>The publication of the configured tables (created when missing). Default <c>walsync</c>.</summary>
    public string Publication { get; set; } = "walsync";

    /// <summary>When set, WalSync writes a logical decoding message (<c>pg_logical_emit_message</c>) this often, so
    /// that the slot advances on servers where keepalives alone do not move it (e.g. when other databases write WAL and
    /// this one is idle). Off by default.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>How often the catalog is checked for changes the stream does not carry as rows: a partition attached
    /// to or detached from a configured partitioned table, a configured table made unlogged. The check also runs at each
    /// Relation message. Default 1 minute; at most 1 day.</summary>
    public TimeSpan CatalogCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Ask pgoutput for values in binary (PostgreSQL 14+): each value then goes through its type's send function
    /// rather than its output function, which costs the server less CPU per row (benchmarks/README.md, "Binary values").
    /// WalSync turns them back into the text PostgreSQL would have sent, so documents are the same either way. Used only
    /// when every column of every published table has a type WalSync reads in binary (numbers, bool, text types, citext, enums,
    /// uuid, json, jsonb, date, time, timestamp, timestamptz, bytea, domains over them and arrays of them); otherwise
    /// the stream is text, and the start-up log names the column that decided it. Default true.</summary>
    public bool BinaryValues { get; set; } = true;

    /// <summary>PostgreSQL's <c>logical_decoding_work_mem</c> for WalSync's own WAL sender, e.g. <c>"256MB"</c> (a number
    /// with kB, MB, GB or TB; a bare number is kB; at least 64kB). A transaction whose changes outgrow it while being
    /// decoded is spilled to files under <c>pg_replslot</c>, each change written and read back once more, which on the
    /// harness's 1M-row transaction cost about 40 % of the WAL sender's CPU (benchmarks/README.md, "Spilled
    /// transactions"). The WAL sender uses that memory only while it decodes so big a transaction. Null (the default):
    /// the server's setting (PostgreSQL's default is 64MB). WalSync warns when its slot spills (EventId 1102).</summary>
    /// <remarks>https://www.postgresql.org/docs/15/runtime-config-resource.html#GUC-LOGICAL-DECODING-WORK-MEM; a user-level
    /// setting, sent in the replication connection's start-up options.</remarks>
    public string? LogicalDecodingWorkMem { get; set; }

    /// <summary>Ask PostgreSQL to stream a transaction while it is in progress once its changes outgrow
    /// <c>logical_decoding_work_mem</c>, instead of spilling them to files under <c>pg_replslot</c> and reading them back
    /// at its commit. WalSync keeps a streamed transaction in a temporary file (in <c>$TMPDIR</c>, else <c>/tmp</c>;
    /// deleted at once, so nothing is left behind) and hands it on at its commit, as if it had come whole; an aborted one
    /// is dropped. This moves the cost of a big transaction from the primary's WAL sender to WalSync (the disk space is
    /// about the transaction's pgoutput size). Default true.</summary>
    /// <remarks>pgoutput's <c>streaming</c> option, protocol version 2:
    /// https://www.postgresql.org/docs/15/protocol-logical-replication.html#PROTOCOL-LOGICAL-REPLICATION-PARAMS.</remarks>
    public bool StreamLargeTransactions { get; set; } = true;

    /// <summary>When the slot is in use by another process, wait as a standby until it is free instead of failing.
    /// Default false.</summary>
    public bool WaitForSlot { get; set; }

    /// <summary>What to do when PostgreSQL invalidated the slot. Default <see cref="RecoveryAction.Rebuild"/>:
    /// the changes that were missed can only come back by reading the tables again, and rebuilding behind the aliases
    /// keeps every collection searchable meanwhile.</summary>
    public RecoveryAction OnSlotInvalidated { get; set; } = RecoveryAction.Rebuild;
}

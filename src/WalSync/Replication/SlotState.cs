namespace WalSync.Replication;

/// <summary>A row of <c>pg_replication_slots</c> for the configured slot.</summary>
/// <remarks>https://www.postgresql.org/docs/15/view-pg-replication-slots.html</remarks>
/// <param name="Plugin">The output plugin (WalSync needs <c>pgoutput</c>).</param>
/// <param name="Database">The database the slot belongs to; null for a physical slot.</param>
/// <param name="ActivePid">The process streaming from the slot now, or null when it is free.</param>
/// <param name="ConfirmedFlushLsn">Where streaming resumes, or null.</param>
/// <param name="WalStatus"><c>reserved</c>, <c>extended</c>, <c>unreserved</c> or <c>lost</c>.</param>
internal sealed record SlotState(string? Plugin, string? Database, int? ActivePid, NpgsqlTypes.NpgsqlLogSequenceNumber? ConfirmedFlushLsn, string? WalStatus);

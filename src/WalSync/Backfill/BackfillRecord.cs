namespace WalSync.Backfill;

/// <summary>The durable state of one backfill.</summary>
/// <param name="Table">The source table, as schema.table.</param>
/// <param name="Collection">The physical collection being filled.</param>
/// <param name="LastKey">The key of the last row written (text form, key order); null before the first chunk.</param>
/// <param name="RowsDone">Rows read so far.</param>
internal sealed record BackfillRecord(string Table, string Collection, string[]? LastKey, long RowsDone);

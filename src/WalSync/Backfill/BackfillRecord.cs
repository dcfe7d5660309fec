namespace WalSync.Backfill;

/// <summary>The durable state of one backfill.</summary>
/// <param name="Table">The source table, as schema.table.</param>
/// <param name="Collection">The physical collection being filled.</param>
/// <param name="LastKey">In key order, the key of the last row written (text form); null before the first chunk and in physical order.</param>
/// <param name="RowsDone">Rows read so far.</param>
/// <param name="Pages">In physical order, the pages read so far; null before the first chunk and in key order.</param>
internal sealed record BackfillRecord(string Table, string Collection, string[]? LastKey, long RowsDone, PageProgress? Pages = null);

namespace WalSync.Backfill;

/// <summary>Where a backfill in physical order stands: pages of one file of the table, read in order.</summary>
/// <param name="Filenode">The table's file (<c>pg_relation_filenode</c>) the pages belong to; 0 before the first chunk.
/// VACUUM FULL, CLUSTER, TRUNCATE and rewriting ALTERs give the table a new file, in which every row has moved.</param>
/// <param name="NextPage">The first page not yet read.</param>
/// <param name="EndPage">The table's size in pages when the scan of this file began, measured after the first chunk's
/// low watermark: a page past it was added later, so each row on it was written by a transaction that commits after
/// that watermark, which the stream delivers.</param>
internal sealed record PageProgress(long Filenode, long NextPage, long EndPage)
{
    /// <summary>True when every page up to <see cref="EndPage"/> is read.</summary>
    public bool Done => Filenode != 0 && NextPage >= EndPage;
}

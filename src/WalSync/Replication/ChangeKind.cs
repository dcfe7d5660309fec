namespace WalSync.Replication;

/// <summary>What a <see cref="ChangeEvent"/> carries.</summary>
internal enum ChangeKind : byte
{
    /// <summary>A new row (<see cref="ChangeEvent.NewRow"/>); also every row of the initial snapshot copy.</summary>
    Insert,

    /// <summary>A changed row: <see cref="ChangeEvent.NewRow"/>, and <see cref="ChangeEvent.OldRow"/> when
    /// PostgreSQL sent the old key ('K') or the whole old row ('O', REPLICA IDENTITY FULL).</summary>
    Update,

    /// <summary>A deleted row: <see cref="ChangeEvent.OldRow"/> holds its key or, under REPLICA IDENTITY FULL, the whole row.</summary>
    Delete,

    /// <summary>TRUNCATE of the relations in <see cref="ChangeEvent.TruncatedRelations"/>.</summary>
    Truncate,

    /// <summary>The end of a transaction; <see cref="ChangeEvent.TransactionEndLsn"/> is its end LSN, the only LSN that is ever acknowledged.</summary>
    Commit,

    /// <summary>A backfill watermark (a logical decoding message WalSync wrote, <see cref="ChangeEvent.Watermark"/>):
    /// it opens or closes the window of a chunk. Outside any transaction.</summary>
    Watermark,
}

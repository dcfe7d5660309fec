namespace WalSync.Replication;

/// <summary>What <see cref="PgOutputDecoder.Decode"/> found in a message.</summary>
internal enum PgOutputMessageKind : byte
{
    /// <summary>Begin ('B'): a transaction starts.</summary>
    Begin,

    /// <summary>Commit ('C'): the change is a <see cref="ChangeKind.Commit"/> with the transaction's end LSN.</summary>
    Commit,

    /// <summary>Relation ('R'): <see cref="PgOutputDecoder.LastRelation"/> describes the relation from now on.</summary>
    Relation,

    /// <summary>Insert, Update, Delete or Truncate: the change carries it.</summary>
    Change,

    /// <summary>Type ('Y'), Origin ('O') or a logical decoding message ('M'): nothing to do.</summary>
    Ignored,

    /// <summary>A message WalSync does not request (streaming, two-phase).</summary>
    Unknown,
}

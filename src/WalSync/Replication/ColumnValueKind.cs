namespace WalSync.Replication;

/// <summary>How a column of a <see cref="RowImage"/> is present (pgoutput TupleData kinds 'n', 'u', 't').</summary>
internal enum ColumnValueKind : byte
{
    /// <summary>SQL NULL ('n'); also the non-key columns of a 'K' key tuple.</summary>
    Null,

    /// <summary>An unchanged TOASTed value ('u'): PostgreSQL did not send it, and the document must keep what it has.</summary>
    UnchangedToast,

    /// <summary>A value ('t', or 'b' in binary mode): its text output form in UTF-8, or a binary form the row keeps
    /// (<see cref="RowImage.TryGetBinary"/>).</summary>
    Text,
}

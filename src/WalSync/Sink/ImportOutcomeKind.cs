namespace WalSync.Sink;

/// <summary>The kinds of <see cref="ImportOutcome"/>.</summary>
internal enum ImportOutcomeKind : byte
{
    /// <summary>Written.</summary>
    Written,

    /// <summary>A partial update whose document does not exist (Typesense answered 404 for the line).</summary>
    NotFound,

    /// <summary>Not written; never retried as it stands.</summary>
    Rejected,
}

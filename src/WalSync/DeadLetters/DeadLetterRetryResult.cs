namespace WalSync.DeadLetters;

/// <summary>What a retry of pending dead letters (<c>walsync dead-letters retry</c>) did.</summary>
public sealed class DeadLetterRetryResult
{
    /// <summary>Dead letters whose row was written to Typesense again, now marked retried.</summary>
    public int Written { get; set; }

    /// <summary>Dead letters whose row no longer exists (or is soft-deleted): the document was deleted, and they are marked retried.</summary>
    public int Deleted { get; set; }

    /// <summary>Dead letters that failed again; they stay pending.</summary>
    public IList<DeadLetterRetryFailure> Failures { get; } = new List<DeadLetterRetryFailure>();
}

namespace WalSync.DeadLetters;

/// <summary>A dead letter that could not be resolved by a retry.</summary>
/// <param name="DeadLetter">The stored dead letter (still pending).</param>
/// <param name="Error">Why the retry failed: Typesense's per-line error, the mapping problem, or a configuration change.</param>
public sealed record DeadLetterRetryFailure(StoredDeadLetter DeadLetter, string Error);

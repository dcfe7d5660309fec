namespace WalSync.DeadLetters;

/// <summary>A <see cref="DeadLetter"/> as kept by an <see cref="IDeadLetterArchive"/>.</summary>
/// <param name="Id">The store's id: the row id of the table store, <c>file#line</c> of the directory store.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="RetriedAt">When <c>walsync dead-letters retry</c> wrote or deleted its document; null while pending.</param>
/// <param name="Letter">The dead letter.</param>
public sealed record StoredDeadLetter(string Id, DateTimeOffset CreatedAt, DateTimeOffset? RetriedAt, DeadLetter Letter);

using NpgsqlTypes;

namespace WalSync.DeadLetters;

/// <summary>A document that could not be written, kept with the reason so that nothing is lost.</summary>
/// <param name="Table">The source table (schema.table).</param>
/// <param name="Collection">The target collection.</param>
/// <param name="DocumentId">The document id (the primary key as a string).</param>
/// <param name="Key">The key column values in text form, in key order, to read the row again.</param>
/// <param name="Operation">upsert, update or delete.</param>
/// <param name="Lsn">The LSN of the change; <see cref="NpgsqlLogSequenceNumber.Invalid"/> for snapshot rows.</param>
/// <param name="Error">Why it failed: Typesense's per-line error with its code, or the mapping problem.</param>
/// <param name="Document">The JSON document that was sent, when there was one.</param>
public sealed record DeadLetter(string Table, string Collection, string DocumentId, IReadOnlyList<string> Key, string Operation,
    NpgsqlLogSequenceNumber Lsn, string Error, string? Document);

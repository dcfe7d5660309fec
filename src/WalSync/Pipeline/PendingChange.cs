using NpgsqlTypes;
using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>The net change to one document within a batch, after coalescing.</summary>
/// <param name="Operation">What to do.</param>
/// <param name="Row">The row for upserts and partial updates; empty for deletes.</param>
/// <param name="Mapper">The mapper of the relation version the row was written with.</param>
/// <param name="Lsn">The LSN of the last change folded into this one (for dead letters).</param>
/// <param name="Nested">The row's nested fields as read back with it (<see cref="NestedSql.Document"/>); empty otherwise.</param>
internal readonly record struct PendingChange(DocumentOperation Operation, RowImage Row, DocumentMapper Mapper, NpgsqlLogSequenceNumber Lsn,
    ReadOnlyMemory<byte> Nested = default);

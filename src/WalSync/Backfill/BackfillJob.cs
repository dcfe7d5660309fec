using WalSync.Mapping;

namespace WalSync.Backfill;

/// <summary>A table to read into one of its collection's versions while the stream goes on.</summary>
/// <param name="Table">The table; its <see cref="TableBinding.Targets"/> already include <paramref name="Record"/>'s collection.</param>
/// <param name="Record">Where the backfill stands (durable).</param>
/// <param name="SwapWhenDone">True for a rebuild: once filled, the collection's alias moves to the new version.</param>
internal sealed record BackfillJob(TableBinding Table, BackfillRecord Record, bool SwapWhenDone);

using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>A configured table and the collection it is kept equal to.</summary>
/// <param name="Source">The table as found in the catalog at start (key columns and types).</param>
/// <param name="Collection">The Typesense collection name.</param>
public sealed record TableBinding(SourceTable Source, string Collection);

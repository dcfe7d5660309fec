using WalSync.Mapping;
using WalSync.Replication;

namespace WalSync.Pipeline;

/// <summary>A changed row of a nested or join table: the roots above its old and its new values are rebuilt.</summary>
/// <param name="Link">Where the table appears in the root's documents.</param>
/// <param name="Relation">The relation version the rows are laid out in.</param>
/// <param name="OldRow">The old row or key of an update or delete; empty when PostgreSQL sent none (an insert).</param>
/// <param name="NewRow">The new row of an insert or update; empty for a delete.</param>
internal readonly record struct RelatedChange(RelatedLink Link, RelationInfo Relation, RowImage OldRow, RowImage NewRow);

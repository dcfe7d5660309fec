namespace WalSync.Mapping;

/// <summary>Where a table that is not configured itself appears in a configured table's documents.</summary>
/// <param name="Root">The configured table whose documents hold the rows.</param>
/// <param name="Plan">The nested entry that reads the table.</param>
/// <param name="Join">True when the table is the entry's join table (<see cref="NestedPlan.Through"/>), false when it is the nested table.</param>
internal sealed record RelatedLink(TableBinding Root, NestedPlan Plan, bool Join);

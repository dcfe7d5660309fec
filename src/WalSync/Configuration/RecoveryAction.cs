namespace WalSync.Configuration;

/// <summary>What WalSync does when a collection can no longer follow its table by streaming: the slot was invalidated
/// (<c>Postgres:OnSlotInvalidated</c>: changes were missed) or a column changed type (its rows rewritten unpublished, and
/// perhaps a type the stored documents cannot take: <c>Schema:OnIncompatibleChange</c>).</summary>
public enum RecoveryAction
{
    /// <summary>Rebuild the collections concerned into new versions behind their aliases (and, for a lost slot, create a
    /// new slot); the old versions keep serving searches, without the newest changes, until the rebuilt ones replace them.</summary>
    Rebuild,

    /// <summary>Exit with code 2 and the steps that recover.</summary>
    Stop,
}

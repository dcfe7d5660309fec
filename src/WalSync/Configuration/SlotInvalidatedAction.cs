namespace WalSync.Configuration;

/// <summary>What WalSync does when PostgreSQL invalidated its slot (<c>wal_status = lost</c>): changes were missed.</summary>
public enum SlotInvalidatedAction
{
    /// <summary>Create a new slot and rebuild every collection into a new version behind its alias; the old versions keep
    /// serving searches until each rebuilt one replaces them.</summary>
    Rebuild,

    /// <summary>Exit with code 2 and the recovery steps.</summary>
    Stop,
}

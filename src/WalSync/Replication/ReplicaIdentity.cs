namespace WalSync.Replication;

/// <summary>A table's replica identity (<c>pg_class.relreplident</c>, sent in pgoutput's Relation message): which
/// columns of the old row PostgreSQL writes to the WAL for updates and deletes.</summary>
/// <remarks>https://www.postgresql.org/docs/15/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY</remarks>
internal enum ReplicaIdentity : byte
{
    /// <summary>The primary key's columns ('d').</summary>
    Default = (byte)'d',

    /// <summary>No old row at all ('n'): updates and deletes cannot be published.</summary>
    Nothing = (byte)'n',

    /// <summary>The whole old row ('f'), TOASTed values included.</summary>
    Full = (byte)'f',

    /// <summary>The columns of the index named by <c>REPLICA IDENTITY USING INDEX</c> ('i').</summary>
    Index = (byte)'i',
}

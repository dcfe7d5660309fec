using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// The PostgreSQL versions WalSync runs on, checked when it connects. Older servers lack what WalSync asks for: its
/// backfills write their watermarks as logical decoding messages, which pgoutput sends from PostgreSQL 14 on (protocol
/// version 2, option <c>messages</c>).
/// </summary>
/// <remarks>https://www.postgresql.org/support/versioning/ lists the versions PostgreSQL itself still supports.</remarks>
internal static class SupportedVersions
{
    /// <summary>The oldest major version WalSync runs on.</summary>
    public const int OldestMajor = 14;

    /// <summary>The newest major version WalSync is tested on; newer ones run with a warning.</summary>
    public const int NewestTestedMajor = 17;

    /// <summary>The first major version with failover slots, which standbys keep in sync
    /// (https://www.postgresql.org/docs/17/logicaldecoding-explanation.html#LOGICALDECODING-REPLICATION-SLOTS-SYNCHRONIZATION).</summary>
    public const int FailoverSlotsMajor = 17;

    /// <summary>Refuses a server older than <see cref="OldestMajor"/>.</summary>
    /// <param name="version">The server's version (<c>NpgsqlConnection.PostgreSqlVersion</c>).</param>
    /// <param name="serverVersion">The server's own version text, for the message.</param>
    /// <exception cref="ConfigurationException">The server is too old.</exception>
    public static void Check(Version version, string serverVersion)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version.Major < OldestMajor)
        {
            throw new ConfigurationException($"The server runs PostgreSQL {serverVersion}, and WalSync needs PostgreSQL {OldestMajor} " +
                $"or later (tested on 15 and {NewestTestedMajor}). Upgrade the server, or point Postgres:ConnectionString at one " +
                $"that runs PostgreSQL {OldestMajor} to {NewestTestedMajor}.");
        }
    }

    /// <summary>True when the server is newer than any WalSync was tested on.</summary>
    public static bool IsUntested(Version version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return version.Major > NewestTestedMajor;
    }
}

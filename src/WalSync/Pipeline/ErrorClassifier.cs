using System.Net.Sockets;
using Npgsql;
using WalSync.Configuration;
using WalSync.Mapping;
using WalSync.Replication;
using WalSync.Typesense;

namespace WalSync.Pipeline;

/// <summary>
/// Sorts failures into those that a reconnect can cure (network, server restart, a walsender terminated, a slot still
/// held by a predecessor) and those the user must fix, which end the process with a clear message.
/// </summary>
/// <remarks>SQLSTATE classes: https://www.postgresql.org/docs/15/errcodes-appendix.html</remarks>
public static class ErrorClassifier
{
    /// <summary>True when restarting the pipeline after a backoff may succeed.</summary>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            ConfigurationException or MappingConfigurationException or SchemaChangeException => false,
            PostgresException postgres => IsTransientSqlState(postgres.SqlState),
            // Not a server error but the connection or the protocol (a walsender ending its stream on shutdown comes
            // as "Received backend message CommandComplete while expecting CopyDataMessage"): a new connection cures it.
            NpgsqlException => true,
            // A type came in binary that the stream's start did not see: the restart asks for text.
            UnreadableBinaryValueException => true,
            TypesenseException typesense => typesense.IsTransient,
            IOException or SocketException or TimeoutException or HttpRequestException => true,
            AggregateException aggregate => aggregate.InnerExceptions.All(IsTransient),
            _ => false,
        };
    }

    private static bool IsTransientSqlState(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => true,
        PostgresErrorCodes.ObjectInUse => true, // the slot is still held by a walsender that is going away
        PostgresErrorCodes.TooManyConnections => true,
        PostgresErrorCodes.ConfigurationLimitExceeded => false, // e.g. every replication slot is taken: waiting will not help
        _ => sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal),
    };

    /// <summary>
    /// A <see cref="ConfigurationException"/> with a clear message for errors that only the user can fix (wrong
    /// password, unknown database, missing privilege), or null. Messages never contain the password.
    /// </summary>
    public static ConfigurationException? AsConfigurationError(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } e =>
            new ConfigurationException($"PostgreSQL refused the login ({e.MessageText}). Check Username and Password in " +
                "Postgres:ConnectionString (or WALSYNC_Postgres__ConnectionString) and the server's pg_hba.conf, which must allow " +
                "both normal and replication connections for this role.", e),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } e =>
            new ConfigurationException($"PostgreSQL says: {e.MessageText}. Fix Database in Postgres:ConnectionString.", e),
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } e =>
            new ConfigurationException($"PostgreSQL refused an operation for lack of privilege: {e.MessageText}. Grant the role " +
                "the REPLICATION attribute (ALTER ROLE … WITH REPLICATION) and SELECT on the configured tables.", e),
        PostgresException { SqlState: PostgresErrorCodes.ObjectNotInPrerequisiteState } e when e.MessageText.Contains("replication slot", StringComparison.Ordinal) =>
            new ConfigurationException($"PostgreSQL says: {e.MessageText}. If the slot was invalidated (wal_status = lost), recreate it " +
                "and copy the tables again with: walsync run --resnapshot", e),
        PostgresException { SqlState: PostgresErrorCodes.ConfigurationLimitExceeded } e =>
            new ConfigurationException($"PostgreSQL says: {e.MessageText}. Drop replication slots nothing uses any more " +
                "(SELECT slot_name, active FROM pg_replication_slots; then SELECT pg_drop_replication_slot('…');) or raise " +
                "max_replication_slots / max_wal_senders and restart PostgreSQL.", e),
        TypesenseException { StatusCode: 401 } e =>
            new ConfigurationException($"Typesense refused the API key ({e.Node}): set a valid admin key in Typesense:ApiKey " +
                "(or WALSYNC_Typesense__ApiKey).", e),
        _ => null,
    };
}

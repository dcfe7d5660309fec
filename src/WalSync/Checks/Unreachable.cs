using System.Net.Sockets;
using Npgsql;
using WalSync.Configuration;
using WalSync.Typesense;

namespace WalSync.Checks;

/// <summary>
/// Says which server could not be reached and which setting names it: "PostgreSQL at db:5432 (Postgres:ConnectionString)",
/// "Typesense node 127.0.0.1:8108 (Typesense:Nodes)". Npgsql's own message omits the host when the name does not
/// resolve, and neither names the setting.
/// </summary>
internal static class Unreachable
{
    /// <summary>The host and port of the source database, as written in <see cref="PostgresOptions.ConnectionString"/>.</summary>
    public static string PostgresAddress(PostgresOptions options)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return $"{builder.Host}:{builder.Port}";
        }
        catch (ArgumentException)
        {
            return "?";
        }
    }

    /// <summary>A sentence for a transient failure to reach a server, naming it and its setting; otherwise the exception's message.</summary>
    public static string Describe(Exception exception, WalSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(options);
        return exception switch
        {
            TypesenseException { StatusCode: null, Node: { } node } e =>
                $"Typesense node {node.Authority} did not answer ({e.TypesenseMessage}); check Typesense:Nodes and that Typesense runs there",
            TypesenseException { StatusCode: >= 500, Node: { } node } e =>
                $"Typesense node {node.Authority} answered {e.StatusCode} ({e.TypesenseMessage}); it is not ready or overloaded",
            NpgsqlException { InnerException: SocketException or TimeoutException or IOException } e when e is not PostgresException =>
                $"PostgreSQL at {PostgresAddress(options.Postgres)} cannot be reached ({Innermost(e)}); check Host and Port in " +
                "Postgres:ConnectionString and that PostgreSQL runs there",
            NpgsqlException e when e is not PostgresException && e.Message.StartsWith("Failed to connect", StringComparison.Ordinal) =>
                $"PostgreSQL at {PostgresAddress(options.Postgres)} cannot be reached ({Innermost(e)}); check Host and Port in " +
                "Postgres:ConnectionString and that PostgreSQL runs there",
            _ => exception.Message,
        };
    }

    private static string Innermost(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        return inner.Message;
    }
}

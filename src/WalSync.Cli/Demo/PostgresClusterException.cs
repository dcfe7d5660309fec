namespace WalSync.Cli.Demo;

/// <summary>A throwaway cluster could not be created or started; the message says why and how to fix it.</summary>
public sealed class PostgresClusterException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public PostgresClusterException(string message) : base(message)
    {
    }
}

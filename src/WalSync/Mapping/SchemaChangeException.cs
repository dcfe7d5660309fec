namespace WalSync.Mapping;

/// <summary>A collection's schema cannot follow a change of its table; the message names both and the fix.</summary>
public sealed class SchemaChangeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SchemaChangeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SchemaChangeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

namespace WalSync.Configuration;

/// <summary>
/// The configuration or the environment is wrong in a way the user must fix. The message names the setting and the
/// fix; the <c>walsync</c> command prints it without a stack trace and exits with code 2.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception with a message that names the key and the fix.</summary>
    public ConfigurationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed the problem.</summary>
    public ConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

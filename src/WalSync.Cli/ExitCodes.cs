namespace WalSync.Cli;

/// <summary>The process exit codes of <c>walsync</c>.</summary>
public static class ExitCodes
{
    /// <summary>Stopped cleanly (or the demo's collection equals its table).</summary>
    public const int Success = 0;

    /// <summary>A failure at run time (Typesense refused, the stream broke, the demo did not converge).</summary>
    public const int Failure = 1;

    /// <summary>The configuration or the environment must be fixed by the user; the message says how.</summary>
    public const int Configuration = 2;
}

namespace WalSync.Cli.Hosting;

/// <summary>Carries the worker's outcome out of the host: a failed BackgroundService alone leaves the exit code at 0.</summary>
public sealed class ExitCodeHolder
{
    /// <summary>The exit code to return; failure until the worker says otherwise.</summary>
    public int Code { get; set; } = ExitCodes.Failure;
}

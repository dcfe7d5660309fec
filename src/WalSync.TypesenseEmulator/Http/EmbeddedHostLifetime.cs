
namespace WalSync.TypesenseEmulator.Http;

/// <summary>
/// A host lifetime that does not hook Ctrl+C or SIGTERM: the emulator runs inside tests and other programs, whose
/// signals are theirs. The standalone executable handles signals itself.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

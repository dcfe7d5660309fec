using System.Runtime.InteropServices;

namespace WalSync.TypesenseEmulator;

/// <summary>Entry point of <c>walsync-typesense-emulator</c>: parses arguments and runs <see cref="EmulatorServer"/>.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => EmulatorCommandLine.InvokeAsync(args, ServeAsync);

    /// <summary>Serves until SIGINT or SIGTERM.</summary>
    private static async Task<int> ServeAsync(EmulatorOptions options, CancellationToken cancellationToken)
    {
        EmulatorServer server;
        try
        {
            server = await EmulatorServer.StartAsync(options, cancellationToken);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"walsync-typesense-emulator: cannot listen on {options.Host}:{options.Port}: {e.Message}");
            return EmulatorCommandLine.Failure;
        }

        await using (server)
        {
            Console.WriteLine($"Typesense emulator listening on {server.Url} (Ctrl+C to stop)");
            var stopped = new TaskCompletionSource();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stopped.TrySetResult();
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            await stopped.Task;
            return EmulatorCommandLine.Success;
        }
    }
}

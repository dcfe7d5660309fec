using System.Runtime.InteropServices;

namespace WalSync.TypesenseEmulator;

/// <summary>Entry point of <c>walsync-typesense-emulator</c>: parses arguments and runs <see cref="EmulatorServer"/>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (!EmulatorCommandLine.TryParse(args, out var options, out var message))
        {
            var help = message == EmulatorCommandLine.Help;
            (help ? Console.Out : Console.Error).WriteLine(message);
            return help ? 0 : 2;
        }

        await using var server = await EmulatorServer.StartAsync(options!);
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
        return 0;
    }
}

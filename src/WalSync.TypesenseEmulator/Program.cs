namespace WalSync.TypesenseEmulator;

/// <summary>Entry point of <c>walsync-typesense-emulator</c>: parses arguments and runs <see cref="EmulatorServer"/>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (!EmulatorCommandLine.TryParse(args, out var options, out var message))
        {
            Console.Error.WriteLine(message);
            return message == EmulatorCommandLine.Help ? 0 : 2;
        }

        await using var server = await EmulatorServer.StartAsync(options!);
        Console.WriteLine($"Typesense emulator listening on {server.Url} (Ctrl+C to stop)");
        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
        await stopped.Task;
        return 0;
    }
}

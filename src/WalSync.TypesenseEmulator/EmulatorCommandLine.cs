using System.CommandLine;
using System.Globalization;

namespace WalSync.TypesenseEmulator;

/// <summary>
/// The command line of the standalone <c>walsync-typesense-emulator</c> executable, on System.CommandLine like
/// <c>walsync</c>'s: its options, their defaults and checks, <c>--help</c>, and the exit codes.
/// </summary>
internal static class EmulatorCommandLine
{
    /// <summary>The port the standalone emulator listens on without <c>--port</c>: Typesense's own default.</summary>
    public const int DefaultPort = 8108;

    /// <summary>Exit code: the server ran and was stopped by SIGINT or SIGTERM, or <c>--help</c> was shown.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the server could not start (e.g. the port is in use).</summary>
    public const int Failure = 1;

    /// <summary>Exit code: the command line is wrong; the message says what to fix.</summary>
    public const int Usage = 2;

    private const string ExecutableName = "walsync-typesense-emulator";

    /// <summary>
    /// Parses <paramref name="args"/> and runs <paramref name="serve"/> with the options they give. <c>--help</c>
    /// writes the options to <paramref name="output"/>; a wrong command line writes what is wrong to
    /// <paramref name="error"/> and returns <see cref="Usage"/> without running <paramref name="serve"/>.
    /// </summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="serve">Runs the server until it is stopped and returns the exit code.</param>
    /// <param name="output">Where help goes; the console when null.</param>
    /// <param name="error">Where errors go; the console's error stream when null.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> InvokeAsync(string[] args, Func<EmulatorOptions, CancellationToken, Task<int>> serve, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(serve);
        error ??= Console.Error;
        var parse = Create(serve).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"{ExecutableName}: {parseError.Message}");
            }

            await error.WriteLineAsync($"Run '{ExecutableName} --help' to see the options.");
            return Usage;
        }

        // The server handles SIGINT/SIGTERM itself and exits 0; System.CommandLine must not end the process first.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output ?? Console.Out, Error = error, ProcessTerminationTimeout = null });
    }

    /// <summary>The root command: its options and an action that hands them to <paramref name="serve"/>.</summary>
    private static RootCommand Create(Func<EmulatorOptions, CancellationToken, Task<int>> serve)
    {
        var defaults = new EmulatorOptions();
        var port = new Option<int>("--port")
        {
            Description = "TCP port to listen on, from 0 to 65535; 0 picks a free one (the address is printed at start).",
            HelpName = "port",
            DefaultValueFactory = _ => DefaultPort,
            CustomParser = result =>
            {
                var value = result.Tokens[^1].Value;
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535)
                {
                    return number;
                }

                result.AddError($"--port must be a number from 0 to 65535, got '{value}'.");
                return 0;
            },
        };
        var apiKey = new Option<string>("--api-key")
        {
            Description = "API key every request except GET /health must send in the X-TYPESENSE-API-KEY header or the " +
                "x-typesense-api-key query parameter.",
            HelpName = "key",
            DefaultValueFactory = _ => defaults.ApiKey,
        };
        apiKey.Validators.Add(result =>
        {
            if (string.IsNullOrEmpty(result.GetValueOrDefault<string>()))
            {
                result.AddError("--api-key must not be empty.");
            }
        });
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on: an IP address, localhost, or 0.0.0.0 (or *) for every interface.",
            HelpName = "address",
            DefaultValueFactory = _ => defaults.Host,
        };
        host.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!EmulatorServer.IsListenAddress(value))
            {
                result.AddError($"--host must be an IP address, localhost or *, got '{value}'.");
            }
        });
        var command = new RootCommand("An in-memory Typesense-compatible server for tests and demos: collections, import, " +
            "documents, delete by filter, export, a small search and aliases, all lost when it stops. SIGINT or SIGTERM stops " +
            "it. Faults are injected over HTTP with the API key: POST, GET or DELETE /_emulator/faults (see its README). " +
            "Exit codes: 0 stopped, 1 could not start, 2 wrong command line.")
        {
            port,
            apiKey,
            host,
        };
        command.SetAction((parse, cancellationToken) => serve(
            new EmulatorOptions { Port = parse.GetValue(port), ApiKey = parse.GetValue(apiKey)!, Host = parse.GetValue(host)! },
            cancellationToken));
        return command;
    }
}

using System.Globalization;

namespace WalSync.TypesenseEmulator;

/// <summary>Arguments of the standalone <c>walsync-typesense-emulator</c> executable.</summary>
public static class EmulatorCommandLine
{
    /// <summary>The help text.</summary>
    public const string Help = """
        walsync-typesense-emulator: an in-memory Typesense-compatible server for tests and demos.

        Usage: walsync-typesense-emulator [--port 8108] [--api-key KEY] [--host 127.0.0.1]

          --port N         TCP port (default 8108; 0 picks a free one)
          --api-key KEY    API key clients must send (default walsync-dev)
          --host ADDR      address to bind (default 127.0.0.1; 0.0.0.0 for all)
          --help           show this text

        Fault control: POST/GET/DELETE /_emulator/faults with the API key.
        """;

    /// <summary>Parses <paramref name="args"/>; on failure or <c>--help</c>, <paramref name="message"/> says why.</summary>
    public static bool TryParse(string[] args, out EmulatorOptions? options, out string message)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = new EmulatorOptions { Port = 8108 };
        message = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                message = Help;
                return false;
            }

            if (i + 1 >= args.Length || name is not ("--port" or "--api-key" or "--host"))
            {
                message = $"Unknown or incomplete argument `{name}`.\n\n{Help}";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535:
                    options.Port = port;
                    break;
                case "--port":
                    message = $"--port must be a number from 0 to 65535, got `{value}`.";
                    return false;
                case "--api-key":
                    options.ApiKey = value;
                    break;
                default:
                    options.Host = value;
                    break;
            }
        }

        return true;
    }
}

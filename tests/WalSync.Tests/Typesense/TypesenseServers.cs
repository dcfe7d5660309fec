using WalSync.Typesense;
using WalSync.TypesenseEmulator;

namespace WalSync.Tests.Typesense;

/// <summary>
/// The Typesense servers contract tests run against: the in-process emulator always, and a real Typesense when
/// <c>TYPESENSE_URL</c> and <c>TYPESENSE_API_KEY</c> are set (samples/docker-compose.yml starts one).
/// </summary>
public sealed class TypesenseServers : IAsyncLifetime
{
    public const string Emulator = "emulator";
    public const string Real = "typesense";

    private EmulatorServer? _emulator;

    /// <summary>Theory data: the names of the servers available in this run.</summary>
    public static TheoryData<string> Available
    {
        get
        {
            var data = new TheoryData<string> { Emulator };
            if (RealServer() is not null)
            {
                data.Add(Real);
            }

            return data;
        }
    }

    public async Task InitializeAsync() => _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    /// <summary>Options for <paramref name="server"/> with short retry delays for tests.</summary>
    public TypesenseOptions Options(string server)
    {
        var (url, key) = server == Real
            ? RealServer() ?? throw new InvalidOperationException("TYPESENSE_URL and TYPESENSE_API_KEY are not set")
            : (_emulator!.Url.ToString(), _emulator.ApiKey);
        return TestOptions.For(key, url);
    }

    /// <summary>A client for <paramref name="server"/> with <see cref="Options"/>.</summary>
    public TypesenseClient NewClient(string server) => new(Options(server), new CapturingLogger<TypesenseClient>());

    private static (string Url, string Key)? RealServer()
    {
        var url = Environment.GetEnvironmentVariable("TYPESENSE_URL");
        var key = Environment.GetEnvironmentVariable("TYPESENSE_API_KEY");
        return string.IsNullOrEmpty(url) || string.IsNullOrEmpty(key) ? null : (url, key);
    }
}

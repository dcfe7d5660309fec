using System.Diagnostics;
using System.Text;
using System.Text.Json;
using WalSync.Configuration;

namespace WalSync.Tests.Infrastructure;

/// <summary>The real <c>walsync</c> executable, started as a child process, for behaviour that belongs to the process
/// (signals, kills, exit codes).</summary>
public sealed class WalSyncProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions ConfigJson = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WalSyncProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>The environment variable naming a <c>walsync</c> executable (for example a Native AOT or single-file
    /// publish) that the process-level tests start instead of the build's <c>walsync.dll</c>; a relative path is taken
    /// from the test host's directory, so give an absolute one.</summary>
    public const string ExecutableVariable = "WALSYNC_TEST_EXECUTABLE";

    /// <summary>The command that starts <c>walsync</c>: the file <see cref="ExecutableVariable"/> names, else
    /// <c>dotnet</c> with the build's <c>walsync.dll</c> as its first argument.</summary>
    public static (string FileName, string[] Arguments) Command { get; } =
        Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } executable
            ? (Path.GetFullPath(executable), [])
            : ("dotnet", [Path.Combine(AppContext.BaseDirectory, "walsync.dll")]);

    /// <summary>Starts <c>walsync</c> with <paramref name="arguments"/>.</summary>
    public static WalSyncProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in Command.Arguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return new WalSyncProcess(Process.Start(start)!);
    }

    /// <summary>Starts <c>walsync run --config</c> with <paramref name="options"/> written to a temporary file.</summary>
    public static WalSyncProcess Run(WalSyncOptions options, IDictionary<string, string>? environment = null) =>
        Start(["run", "--config", WriteConfig(options)], environment);

    /// <summary>Writes <paramref name="options"/> as a WalSync JSON configuration file and returns its path.</summary>
    public static string WriteConfig(WalSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.Combine(Path.GetTempPath(), $"walsync-test-{Guid.NewGuid():N}.json");
        var json = new
        {
            options.Postgres,
            Typesense = new
            {
                Nodes = options.Typesense.Nodes,
                options.Typesense.ApiKey,
                RetryInitialDelay = options.Typesense.RetryInitialDelay.ToString(),
                RetryMaxDelay = options.Typesense.RetryMaxDelay.ToString(),
            },
            Batch = new { options.Batch.MaxRows, FlushInterval = options.Batch.FlushInterval.ToString(), options.Batch.ChannelCapacity },
            options.Tables,
            DeadLetter = options.DeadLetter.Table is null && options.DeadLetter.Directory is null ? null
                : new { options.DeadLetter.Table, options.DeadLetter.Directory },
            // Tests run side by side: each process listens on a port of its own (HttpUrlAsync reads which).
            Http = new
            {
                options.Http.Enabled,
                Urls = options.Http.Urls == HttpOptions.DefaultUrl ? "http://127.0.0.1:0" : options.Http.Urls,
                options.Http.ApiKey,
                UnreadyAfter = options.Http.UnreadyAfter.ToString(),
            },
            Logging = new
            {
                options.Logging.LogLevel,
                Console = new { options.Logging.Console.FormatterName },
                SummaryInterval = options.Logging.SummaryInterval.ToString(),
            },
            options.Telemetry,
            options.Backfill,
            options.Reindex,
            ShutdownTimeout = options.ShutdownTimeout.ToString(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(json, ConfigJson));
        return path;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>, then <paramref name="extraMilliseconds"/> more
    /// (a chosen kill moment, not synchronisation).</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, int extraMilliseconds = 0)
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Output.Contains(text, StringComparison.Ordinal) || _process.HasExited),
            timeout, $"walsync to print '{text}'", () => Task.FromResult(Output));
        if (extraMilliseconds > 0)
        {
            await Task.Delay(extraMilliseconds);
        }
    }

    /// <summary>The base address of the process's HTTP listener, read from its start-up line (the port is chosen at start).</summary>
    public async Task<Uri> HttpUrlAsync(TimeSpan? timeout = null)
    {
        await WaitForOutputAsync("HTTP listener on ", timeout ?? TimeSpan.FromSeconds(60));
        var match = System.Text.RegularExpressions.Regex.Match(Output, "HTTP listener on (http://[0-9.]+:[0-9]+)");
        return match.Success ? new Uri(match.Groups[1].Value + "/") : throw new InvalidOperationException($"walsync exited before it listened:\n{Output}");
    }

    /// <summary>Sends SIGKILL: no chance to flush or acknowledge.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Sends SIGTERM: a graceful stop.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    /// <exception cref="TimeoutException">It did not exit within <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"walsync did not exit within {timeout.TotalSeconds} s. Output:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}

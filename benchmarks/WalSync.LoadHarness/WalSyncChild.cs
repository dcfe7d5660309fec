using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace WalSync.LoadHarness;

/// <summary>
/// The real <c>walsync run</c> process: started with a generated configuration, watched for log lines (the start of
/// streaming, a backfill's start and end), measured for peak resident memory, and stopped with SIGTERM.
/// </summary>
internal sealed class WalSyncChild : IAsyncDisposable
{
    /// <summary>The processes not yet disposed, so that an interrupted run can stop them. Guarded by itself.</summary>
    private static readonly HashSet<Process> Live = [];

    // A section left null (Backfill without a chunk size) is left out: walsync's defaults apply.
    private static readonly JsonSerializerOptions ConfigJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    // ReplicationLog.StreamingStarted's event id, as the console logger prints it.
    private const string StreamingEvent = "[1001]";

    private readonly Process _process;

    /// <summary>The lines printed so far, each with the <see cref="Stopwatch"/> timestamp at which it arrived. Guarded by itself.</summary>
    private readonly List<(long Time, string Line)> _lines = [];

    /// <summary>Waiters for a line not printed yet. Guarded by <see cref="_lines"/>.</summary>
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<(long Time, string Line)> Found)> _waiters = [];

    private readonly string _configPath;
    private readonly string _name;

    private WalSyncChild(Process process, string configPath, string name, long startedAt)
    {
        _process = process;
        _configPath = configPath;
        _name = name;
        StartedAt = startedAt;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Variables every walsync process gets (the OTLP export of <c>--otlp</c>); none when empty.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    /// <summary>Tables[]:ReadBackGeneratedColumns of every table (<c>--generated read-back</c>).</summary>
    public static bool ReadBackGeneratedColumns { get; set; }

    /// <summary>Where each run's output is written when it is disposed; null for nowhere.</summary>
    public static string? LogDirectory { get; set; }

    /// <summary>The <see cref="Stopwatch"/> timestamp just before the process was started.</summary>
    public long StartedAt { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Select(l => l.Line));
            }
        }
    }

    /// <summary>Starts <c>dotnet walsync.dll run --config</c> for the products table, or for <paramref name="tables"/>.</summary>
    /// <param name="name">Names the run's log file.</param>
    /// <param name="walsyncDll">The walsync.dll to run.</param>
    /// <param name="connectionString">The source database (walsync gets it with pooling on).</param>
    /// <param name="slot">The slot: an existing one is resumed, a missing one is created (and every table backfilled).</param>
    /// <param name="typesenseUrl">The Typesense-compatible server.</param>
    /// <param name="apiKey">Its API key.</param>
    /// <param name="flushInterval">Batch:FlushInterval.</param>
    /// <param name="tables">Tables of the public schema, each into the collection of its name, in this order; null for products alone.</param>
    /// <param name="chunkRows">Backfill:ChunkRows; null for walsync's default.</param>
    public static WalSyncChild Start(string name, string walsyncDll, string connectionString, string slot, Uri typesenseUrl, string apiKey,
        TimeSpan flushInterval, IReadOnlyList<string>? tables = null, int? chunkRows = null)
    {
        // Pooled, as deployed (the harness's own connections are not): without a pool every backfill chunk runs in a new
        // backend, which page-faults its way into shared memory on each buffer it touches (about 4× slower here).
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true }.ConnectionString;
        var config = new
        {
            Postgres = new { ConnectionString = pooled, Slot = slot, Publication = "walsync" },
            Typesense = new { Nodes = new[] { typesenseUrl.ToString().TrimEnd('/') }, ApiKey = apiKey },
            Batch = new { MaxRows = 5000, FlushInterval = flushInterval.ToString("c", CultureInfo.InvariantCulture) },
            Backfill = chunkRows is { } rows ? new { ChunkRows = rows } : null,
            Tables = (tables ?? ["products"]).Select(t => new { Table = "public." + t, Collection = t, ReadBackGeneratedColumns }).ToArray(),
            // Port 0: a free port, so that a walsync running elsewhere on this machine does not stop the run.
            Http = new { Urls = "http://127.0.0.1:0" },
        };
        var path = Path.Combine(Path.GetTempPath(), $"walsync-harness-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, ConfigJson));
        // A .dll runs through dotnet; anything else (a Native AOT executable) runs directly.
        var managed = walsyncDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(managed ? "dotnet" : walsyncDll)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var argument in managed ? (string[])[walsyncDll, "run", "--config", path] : ["run", "--config", path])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }
        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException("walsync did not start.");
        lock (Live)
        {
            Live.Add(process);
        }
        var child = new WalSyncChild(process, path, name, startedAt);
        Progress.Say($"{name}: walsync is process {child.Id}");
        return child;
    }

    /// <summary>Waits for the streaming log line.</summary>
    /// <exception cref="InvalidOperationException">walsync exited or did not start streaming within <paramref name="timeout"/>.</exception>
    public async Task<long> WaitForStreamingAsync(TimeSpan timeout)
    {
        var (streaming, _) = await WaitForLineAsync(line => line.Contains(StreamingEvent, StringComparison.Ordinal), "that it starts streaming", timeout);
        Progress.Say($"{_name}: walsync started streaming {Stopwatch.GetElapsedTime(StartedAt, streaming).TotalSeconds:F2} s after it was started");
        return streaming;
    }

    /// <summary>Waits for the first line, printed before or after this call, that <paramref name="match"/> accepts.</summary>
    /// <param name="match">Accepts the line waited for.</param>
    /// <param name="what">What the line says, for the error.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The <see cref="Stopwatch"/> timestamp at which the line arrived, and the line.</returns>
    /// <exception cref="InvalidOperationException">walsync exited or printed no such line within <paramref name="timeout"/>.</exception>
    public async Task<(long Time, string Line)> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<(long Time, string Line)>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (var printed in _lines)
            {
                if (match(printed.Line))
                {
                    return printed;
                }
            }
            _waiters.Add((match, found));
        }
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(found.Task, exited, Task.Delay(timeout));
        if (first != found.Task)
        {
            throw new InvalidOperationException($"walsync {(first == exited ? "exited" : "did not log " + what)}:\n{Output}");
        }
        return await found.Task;
    }

    /// <summary>The peak resident set size so far, in bytes (<c>VmHWM</c> of /proc/PID/status).</summary>
    public long PeakRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>CPU time (user and system, all threads) the process has used so far; 10 ms resolution.</summary>
    public TimeSpan CpuTime() => CpuTimeOf(_process.Id);

    /// <summary>CPU time (user and system) process <paramref name="pid"/> has used so far, e.g. a WAL sender; 10 ms resolution.</summary>
    public static TimeSpan CpuTimeOf(int pid)
    {
        // /proc/PID/stat: the command may contain spaces, so fields are counted after its closing parenthesis;
        // utime and stime are fields 14 and 15, in clock ticks of 1/100 s on Linux.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Stops walsync with SIGTERM (a graceful stop) and waits for it; kills it if it takes over a minute.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        return _process.ExitCode;
    }

    /// <summary>Kills every walsync process not yet disposed.</summary>
    public static void KillAll()
    {
        lock (Live)
        {
            foreach (var process in Live)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
            Live.Clear();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        lock (Live)
        {
            Live.Remove(_process);
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        File.Delete(_configPath);
        if (LogDirectory is not null)
        {
            Directory.CreateDirectory(LogDirectory);
            await File.WriteAllTextAsync(Path.Combine(LogDirectory, _name + ".log"), Output);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        lock (_lines)
        {
            _lines.Add((now, line));
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Found.TrySetResult((now, line));
                _waiters.Remove(waiter);
            }
        }
    }
}

using System.Globalization;

namespace WalSync.LoadHarness;

/// <summary>The harness's command line.</summary>
internal sealed class HarnessOptions
{
    /// <summary>Smaller workloads and a 10 s latency run: a sanity run of a few minutes.</summary>
    public bool Quick { get; private init; }

    /// <summary>How long each live latency run inserts, in seconds.</summary>
    public int LatencySeconds { get; private init; } = 60;

    /// <summary>Changes per second during the latency runs.</summary>
    public int Rate { get; private init; } = 5000;

    /// <summary>Where to write the result table (Markdown) besides standard output; null for nowhere.</summary>
    public string? Output { get; private init; }

    /// <summary>The walsync.dll to run; found next to the sources when null.</summary>
    public string? WalSyncPath { get; private init; }

    /// <summary>A directory where each walsync run's output is kept; null to keep none.</summary>
    public string? Logs { get; private init; }

    /// <summary>With a stored generated column: <c>read-back</c> or <c>left-out</c>; null for the plain products table.</summary>
    public string? Generated { get; private init; }

    /// <summary>Environment variables for every walsync run (<c>--env NAME=VALUE</c>, repeatable), e.g. GC settings to try.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment { get; private init; } = new Dictionary<string, string>();

    /// <summary>Postgres:BinaryValues of walsync: <c>binary</c> or <c>text</c>; null for walsync's default.</summary>
    public string? Values { get; private init; }

    /// <summary>Export traces, metrics and logs over OTLP (http/protobuf) to a sink in the harness, to measure what it costs.</summary>
    public bool Otlp { get; private init; }

    /// <summary>Backfill:ChunkRows for the backfill runs (also those under live latency); null for walsync's default.</summary>
    public int? ChunkRows { get; private init; }

    /// <summary>The cluster's <c>logical_decoding_work_mem</c> (both pg_recvlogical's and walsync's WAL senders); null for 64MB.</summary>
    public string? DecodingWorkMem { get; private init; }

    /// <summary>How long the null sink waits before it answers each import (<c>--sink-latency</c>); zero by default.</summary>
    public TimeSpan SinkLatency { get; private init; }

    /// <summary>Inserts of the big-transaction workload; null for its default (1,000,000, a tenth with --quick).</summary>
    public int? BigRows { get; private init; }

    /// <summary>Rows of the backfill runs' products table (<c>--backfill-rows</c>, not of the latency runs' catalog table);
    /// null for its default (1,000,000, a tenth with --quick).</summary>
    public int? BackfillRows { get; private init; }

    /// <summary>Names of the workloads to run (throughput names, "backfill", "latency", "backfill-latency"); all when empty.</summary>
    public IReadOnlyList<string> Only { get; private init; } = [];

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: dotnet run -c Release --project benchmarks/WalSync.LoadHarness -- [options]
          --quick                 small workloads and 10 s latency runs (a few minutes in all)
          --latency-seconds N     how long each latency run inserts (default 60; 10 with --quick)
          --rate N                changes per second during the latency runs (default 5000)
          --only NAME[,NAME...]   run only these: big-transaction, single-row, mixed, many-tables, wide-rows, backfill, latency,
                                  backfill-latency (the latency runs without and during a backfill)
          --big-rows N            inserts of the big-transaction workload (default 1000000), e.g. 5000000 for its memory
          --backfill-rows N       rows of the backfill's products table (default 1000000), e.g. 5000000 to weigh walsync's
                                  start against a longer backfill
          --decoding-work-mem AMOUNT  the cluster's logical_decoding_work_mem (default 64MB, PostgreSQL's default), for every
                                  WAL sender; walsync's own: --env WALSYNC_Postgres__LogicalDecodingWorkMem=AMOUNT
          --chunk-rows N          Backfill:ChunkRows of walsync in the backfill runs (default: walsync's, 10000)
          --sink-latency MS       the null sink answers each import MS milliseconds after reading it, as a Typesense server
                                  across a network would (default 0)
          --output FILE           also write the result tables (Markdown) to FILE
          --logs DIR              keep each walsync run's output in DIR (set WALSYNC_LOG_LEVEL=Debug for more)
          --generated MODE        the products table gains a stored generated column (price_with_tax); MODE read-back: walsync
                                  reads it back at each flush (Tables[]:ReadBackGeneratedColumns), left-out: it does not
          --values MODE           walsync asks for binary (MODE binary) or text values (MODE text); default: walsync's default
          --env NAME=VALUE        set this environment variable for every walsync run (repeatable), e.g.
                                  --env WALSYNC_Batch__ChannelCapacity=5000 or --env DOTNET_GCgen0MaxBudget=600000
          --otlp                  walsync exports traces, metrics and logs over OTLP to a sink in the harness (compare with a run without)
          --walsync PATH          the walsync.dll to run (default: src/WalSync.Cli/bin/Release/net10.0/walsync.dll)
          --help                  this text
        """;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static HarnessOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var otlp = args.Contains("--otlp");
        int? latency = null;
        var rate = 5000;
        int? chunkRows = null, bigRows = null, backfillRows = null;
        var sinkLatency = 0;
        string? output = null, walsync = null, logs = null, generated = null, values = null, decodingWorkMem = null;
        IReadOnlyList<string> only = [];
        var environment = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick" or "--otlp":
                    break;
                case "--latency-seconds":
                    latency = PositiveInt(args, ++i);
                    break;
                case "--rate":
                    rate = PositiveInt(args, ++i);
                    break;
                case "--chunk-rows":
                    chunkRows = PositiveInt(args, ++i);
                    break;
                case "--sink-latency":
                    sinkLatency = PositiveInt(args, ++i);
                    break;
                case "--big-rows":
                    bigRows = PositiveInt(args, ++i);
                    break;
                case "--backfill-rows":
                    backfillRows = PositiveInt(args, ++i);
                    break;
                case "--decoding-work-mem":
                    decodingWorkMem = Value(args, ++i);
                    break;
                case "--only":
                    only = Value(args, ++i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--output":
                    output = Value(args, ++i);
                    break;
                case "--logs":
                    logs = Value(args, ++i);
                    break;
                case "--generated":
                    generated = Value(args, ++i) is "read-back" or "left-out" ? args[i] : throw new ArgumentException("--generated needs read-back or left-out.");
                    break;
                case "--env":
                    var pair = Value(args, ++i).Split('=', 2);
                    environment[pair[0]] = pair.Length == 2 && pair[0].Length > 0 ? pair[1] : throw new ArgumentException("--env needs NAME=VALUE.");
                    break;
                case "--values":
                    values = Value(args, ++i) is "binary" or "text" ? args[i] : throw new ArgumentException("--values needs binary or text.");
                    break;
                case "--walsync":
                    walsync = Value(args, ++i);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        return new HarnessOptions
        {
            Quick = quick, LatencySeconds = latency ?? (quick ? 10 : 60), Rate = rate, Output = output, WalSyncPath = walsync, Only = only, Logs = logs, Otlp = otlp,
            ChunkRows = chunkRows, BigRows = bigRows, BackfillRows = backfillRows, DecodingWorkMem = decodingWorkMem, Generated = generated, Values = values, ChildEnvironment = environment,
            SinkLatency = TimeSpan.FromMilliseconds(sinkLatency),
        };
    }

    /// <summary>True when <paramref name="name"/> is to be run.</summary>
    public bool Runs(string name) => Only.Count == 0 || Only.Contains(name);

    private static string Value(string[] args, int i) =>
        i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");

    private static int PositiveInt(string[] args, int i) =>
        int.TryParse(Value(args, i), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value : throw new ArgumentException($"{args[i - 1]} needs a positive whole number.");
}

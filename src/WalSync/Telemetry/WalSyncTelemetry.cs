using System.Diagnostics;
using System.Diagnostics.Metrics;
using WalSync.Status;

namespace WalSync.Telemetry;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>WalSync</c>. Exporters (OTLP, Prometheus) subscribe
/// to these names; without a listener they cost next to nothing. Units follow OpenTelemetry (<c>s</c>, <c>By</c>), so a
/// Prometheus exporter names them <c>walsync_…_seconds</c>, <c>walsync_…_bytes</c> and counters <c>walsync_…_total</c>.
/// </summary>
/// <remarks>Spans: <c>walsync.flush</c> per batch with a child <c>walsync.import</c> per import call and <c>walsync.delete</c>
/// per delete call; <c>walsync.backfill</c> per backfill of a table;
/// <c>walsync.pipeline.restart</c> per restart, with its reason.</remarks>
public static class WalSyncTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "WalSync";

    /// <summary>Bucket bounds of the histograms in seconds: 1 ms to 2 minutes.</summary>
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60, 120];

    /// <summary>The states observed by the gauges: one per running <see cref="SyncService"/>. Guarded by itself.</summary>
    private static readonly List<SyncState> Observed = [];

    /// <summary>The spans of the flow.</summary>
    internal static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The meter all WalSync instruments belong to.</summary>
    internal static readonly Meter Meter = new(Name);

    /// <summary>Row changes decoded from the slot, by <c>table</c> and <c>kind</c> (insert, update, delete).</summary>
    internal static readonly Counter<long> ChangesReceived = Meter.CreateCounter<long>("walsync.changes.received", "{change}",
        "Row changes read from the replication slot, by table and kind");

    /// <summary>Documents Typesense accepted (upserted or updated), by <c>collection</c>.</summary>
    internal static readonly Counter<long> DocumentsWritten = Meter.CreateCounter<long>("walsync.documents.written", "{document}",
        "Documents written to Typesense (upserted or updated), by collection");

    /// <summary>Documents deleted from Typesense, by <c>collection</c>.</summary>
    internal static readonly Counter<long> DocumentsDeleted = Meter.CreateCounter<long>("walsync.documents.deleted", "{document}",
        "Documents deleted from Typesense, by collection");

    /// <summary>Documents that went to the dead-letter store, by <c>table</c>.</summary>
    internal static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("walsync.dead_letters", "{document}",
        "Documents Typesense rejected or WalSync could not map, stored as dead letters, by table");

    /// <summary>Bytes of NDJSON sent in import requests.</summary>
    internal static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("walsync.import.bytes", "By", "Bytes of documents sent to Typesense imports");

    /// <summary>Pipeline restarts after a transient failure (a health signal: it grows while PostgreSQL or Typesense is unreachable).</summary>
    internal static readonly Counter<long> PipelineRestarts = Meter.CreateCounter<long>("walsync.pipeline.restarts", "{restart}",
        "Pipeline restarts after transient failures of PostgreSQL or Typesense");

    /// <summary>Typesense requests retried, by <c>cause</c> (unavailable, server_error, timeout, connection).</summary>
    internal static readonly Counter<long> TypesenseRetries = Meter.CreateCounter<long>("walsync.typesense.retries", "{retry}",
        "Typesense requests retried after a transient failure, by cause");

    /// <summary>Rows written by backfills, by <c>table</c>.</summary>
    internal static readonly Counter<long> RowsBackfilled = Meter.CreateCounter<long>("walsync.backfill.rows", "{row}",
        "Rows read from PostgreSQL and written to Typesense by backfills, by table");

    /// <summary>Duration of each batch flush.</summary>
    internal static readonly Histogram<double> FlushDuration = Meter.CreateHistogram("walsync.flush.duration", "s",
        "Time to write one batch to Typesense", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Duration of each import call, by <c>collection</c>.</summary>
    internal static readonly Histogram<double> ImportDuration = Meter.CreateHistogram("walsync.import.duration", "s",
        "Time of one Typesense import call, retries included, by collection", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Row changes per flushed batch.</summary>
    internal static readonly Histogram<long> BatchRows = Meter.CreateHistogram("walsync.batch.rows", "{change}",
        "Row changes in each flushed batch", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10_000, 50_000] });

    /// <summary>From a transaction's commit in PostgreSQL to its changes being in Typesense.</summary>
    internal static readonly Histogram<double> CommitToSearchable = Meter.CreateHistogram("walsync.commit_to_searchable", "s",
        "Time from a transaction's commit in PostgreSQL to its changes being written to Typesense",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Creates the gauges, which read the observed states at each collection.</summary>
    static WalSyncTelemetry()
    {
        Meter.CreateObservableGauge("walsync.replication.lag_bytes", () => GaugeIfKnown(s => s.LagBytes), "By",
            "WAL between the server's current position and the position WalSync acknowledged");
        Meter.CreateObservableGauge("walsync.replication.lag_seconds", () => Gauge(s => s.LagSeconds), "s",
            "Time since the commit of the oldest transaction not yet in Typesense; 0 when caught up");
        Meter.CreateObservableGauge("walsync.channel.depth", () => Gauge(s => s.ChannelDepth), "{change}",
            "Changes waiting between the replication reader and the batcher");
        Meter.CreateObservableGauge("walsync.dead_letters.pending", () => GaugeIfKnown(s => s.DeadLettersPending), "{document}",
            "Dead letters in the store not yet retried");
        Meter.CreateObservableGauge("walsync.slot.retained_wal", () => GaugeIfKnown(s => s.SlotRetainedWalBytes), "By",
            "WAL the replication slot makes the server keep");
        Meter.CreateObservableCounter("walsync.slot.spilled", () => GaugeIfKnown(s => s.SlotSpilledBytes), "By",
            "Decoded changes the slot's WAL sender spilled to disk (pg_stat_replication_slots.spill_bytes)");
        Meter.CreateObservableCounter("walsync.slot.spilled_transactions", () => GaugeIfKnown(s => s.SlotSpilledTransactions), "{transaction}",
            "Transactions the slot's WAL sender spilled to disk, each larger than logical_decoding_work_mem (pg_stat_replication_slots.spill_txns)");
        Meter.CreateObservableCounter("walsync.slot.streamed", () => GaugeIfKnown(s => s.SlotStreamedBytes), "By",
            "Decoded changes the slot's WAL sender streamed before their transaction's commit (pg_stat_replication_slots.stream_bytes)");
        Meter.CreateObservableCounter("walsync.slot.streamed_transactions", () => GaugeIfKnown(s => s.SlotStreamedTransactions), "{transaction}",
            "Transactions the slot's WAL sender streamed before their commit, each larger than logical_decoding_work_mem (pg_stat_replication_slots.stream_txns)");
        Meter.CreateObservableGauge("walsync.backfill.rows_estimate", GaugeRowsEstimate, "{row}",
            "Rows a backfill has to read (PostgreSQL's estimate), by table");
        Meter.CreateObservableGauge("walsync.phase", GaugePhase, unit: null,
            "1 for the phase WalSync is in (starting, streaming, retrying, standby, stopping), 0 for the others");
    }

    /// <summary>Makes the gauges report <paramref name="state"/> until <see cref="Forget"/>.</summary>
    internal static void Observe(SyncState state)
    {
        lock (Observed)
        {
            Observed.Add(state);
        }
    }

    /// <summary>Stops reporting <paramref name="state"/>.</summary>
    internal static void Forget(SyncState state)
    {
        lock (Observed)
        {
            Observed.Remove(state);
        }
    }

    /// <summary>Snapshots of the observed states, each with its slot as tag.</summary>
    private static List<(SyncStatus Status, KeyValuePair<string, object?> Slot)> Snapshots()
    {
        lock (Observed)
        {
            return Observed.Select(s => (s.Snapshot(), new KeyValuePair<string, object?>("slot", s.Slot))).ToList();
        }
    }

    private static IEnumerable<Measurement<T>> GaugeIfKnown<T>(Func<SyncStatus, T?> read)
        where T : struct =>
        Snapshots().Where(s => read(s.Status).HasValue).Select(s => new Measurement<T>(read(s.Status)!.Value, s.Slot));

    private static IEnumerable<Measurement<T>> Gauge<T>(Func<SyncStatus, T> read)
        where T : struct =>
        Snapshots().Select(s => new Measurement<T>(read(s.Status), s.Slot));

    private static IEnumerable<Measurement<long>> GaugeRowsEstimate() =>
        Snapshots().SelectMany(s => s.Status.Backfills.Where(c => c.RowsEstimate.HasValue)
            .Select(c => new Measurement<long>(c.RowsEstimate!.Value, s.Slot, new KeyValuePair<string, object?>("table", c.Table))));

    private static IEnumerable<Measurement<int>> GaugePhase() =>
        Snapshots().SelectMany(s => Enum.GetValues<SyncPhase>().Where(p => p != SyncPhase.Stopped).Select(p =>
            new Measurement<int>(s.Status.Phase == p ? 1 : 0, s.Slot, new KeyValuePair<string, object?>("phase", PhaseName(p)))));

    /// <summary>The phase as the gauges, <c>/status</c> and the logs write it (lower case).</summary>
    public static string PhaseName(SyncPhase phase) => phase switch
    {
        SyncPhase.Starting => "starting",
        SyncPhase.Streaming => "streaming",
        SyncPhase.Retrying => "retrying",
        SyncPhase.Standby => "standby",
        SyncPhase.Stopping => "stopping",
        _ => "stopped",
    };
}

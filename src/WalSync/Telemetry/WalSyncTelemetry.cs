using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WalSync.Telemetry;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>WalSync</c>: a span per flush and counters of
/// the flow. Exporters (OTLP) subscribe to these names; without a listener they cost next to nothing.
/// </summary>
public static class WalSyncTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "WalSync";

    /// <summary>Spans: <c>walsync.flush</c> (one per batch) with a child <c>walsync.flush.collection</c> per collection.</summary>
    internal static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The meter all WalSync instruments belong to.</summary>
    internal static readonly Meter Meter = new(Name);

    /// <summary>Row changes (insert, update, delete) decoded from the slot, and rows read by the snapshot copy.</summary>
    internal static readonly Counter<long> ChangesReceived = Meter.CreateCounter<long>("walsync.changes.received", "{change}", "Row changes decoded from the replication slot or the snapshot copy");

    /// <summary>Documents Typesense accepted (upserted, updated or deleted).</summary>
    internal static readonly Counter<long> DocumentsWritten = Meter.CreateCounter<long>("walsync.documents.written", "{document}", "Documents written to or deleted from Typesense");

    /// <summary>Documents that went to the dead-letter store.</summary>
    internal static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("walsync.dead_letters", "{document}", "Documents Typesense rejected or WalSync could not map, stored as dead letters");

    /// <summary>Bytes of NDJSON sent in import requests.</summary>
    internal static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("walsync.import.bytes", "By", "Bytes of documents sent to Typesense imports");

    /// <summary>Pipeline restarts after a transient failure (a health signal: it grows while PostgreSQL or Typesense is unreachable).</summary>
    internal static readonly Counter<long> PipelineRestarts = Meter.CreateCounter<long>("walsync.pipeline.restarts", "{restart}", "Reconnects after transient failures");

    /// <summary>Duration of each batch flush.</summary>
    internal static readonly Histogram<double> FlushDuration = Meter.CreateHistogram<double>("walsync.flush.duration", "s", "Time to write one batch to Typesense");
}

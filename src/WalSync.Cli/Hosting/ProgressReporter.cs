using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WalSync.Configuration;
using WalSync.Status;

namespace WalSync.Cli.Hosting;

/// <summary>
/// What a running WalSync says without being asked: while it backfills, the rows written of the estimate with rate and ETA (a
/// progress bar on a terminal, a log line every few seconds otherwise); while it streams, one summary line every
/// <c>Logging:SummaryInterval</c> with the changes, documents, lag and dead letters since the last one.
/// </summary>
public sealed partial class ProgressReporter : BackgroundService
{
    /// <summary>How often the state is looked at.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly SyncState _state;
    private readonly LoggingOptions _options;
    private readonly bool _terminal;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the reporter.</summary>
    /// <param name="state">The service's state.</param>
    /// <param name="options">The <c>Logging</c> section (its summary interval).</param>
    /// <param name="terminal">Whether a progress bar can be drawn on standard error.</param>
    /// <param name="logger">Receives the summary lines.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public ProgressReporter(SyncState state, LoggingOptions options, bool terminal, ILogger<ProgressReporter> logger, TimeProvider? time = null)
    {
        _state = state;
        _options = options;
        _terminal = terminal;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, _time);
        var last = _state.Snapshot();
        var barDrawn = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = _state.Snapshot();
                // The backfills log their own progress lines; a terminal gets a bar instead of the summary while they run.
                if (_terminal && now.Backfills.Any(b => b.FinishedAt is null))
                {
                    Console.Error.Write("\r" + Bar(now) + "\u001b[K");
                    barDrawn = true;
                    continue;
                }
                if (barDrawn)
                {
                    Console.Error.WriteLine("\r" + Bar(now) + "\u001b[K");
                    barDrawn = false;
                }
                if (_options.SummaryInterval > TimeSpan.Zero && now.Phase is SyncPhase.Streaming or SyncPhase.Retrying
                    && now.At - last.At >= _options.SummaryInterval)
                {
                    Summarize(last, now);
                    last = now;
                }
                else if (now.Phase is not (SyncPhase.Streaming or SyncPhase.Retrying))
                {
                    last = now;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped with the host.
        }
    }

    private void Summarize(SyncStatus last, SyncStatus now)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }
        static long Sum(SyncStatus status, Func<CollectionProgress, long> read) => status.Collections.Sum(read);
        var changes = Sum(now, c => c.Inserts + c.Updates + c.Deletes) - Sum(last, c => c.Inserts + c.Updates + c.Deletes);
        var written = Sum(now, c => c.DocumentsWritten) - Sum(last, c => c.DocumentsWritten);
        var deleted = Sum(now, c => c.DocumentsDeleted) - Sum(last, c => c.DocumentsDeleted);
        var deadLetters = Sum(now, c => c.DeadLetters) - Sum(last, c => c.DeadLetters);
        var phase = WalSync.Telemetry.WalSyncTelemetry.PhaseName(now.Phase);
        var seconds = (now.At - last.At).TotalSeconds;
        var lag = now.LagBytes is { } bytes ? Inspection.Format.Bytes(bytes) : "unknown";
        var pending = now.DeadLettersPending?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
        var lastError = now.LastError is { } error ? $"; last error: {error}" : "";
        Summary(_logger, phase, seconds, changes, written, deleted, deadLetters, lag, now.LagSeconds, pending, lastError);
    }

    /// <summary>One line for the backfills: every table's rows written of its estimate, the rate and the time left.</summary>
    public static string Describe(SyncStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var parts = status.Backfills.Select(backfill =>
        {
            var total = backfill.RowsEstimate is { } rows ? rows.ToString("N0", CultureInfo.InvariantCulture) : "?";
            var state = backfill.FinishedAt is not null ? "done" : backfill.StartedAt is null ? "waiting" : Rate(backfill, status.At);
            return $"{backfill.Table} {backfill.RowsDone.ToString("N0", CultureInfo.InvariantCulture)} of {total} rows ({state})";
        });
        return string.Join("; ", parts);
    }

    private static string Rate(BackfillProgress backfill, DateTimeOffset now)
    {
        var seconds = (now - backfill.StartedAt!.Value).TotalSeconds;
        if (seconds < 1 || backfill.RowsDone == 0)
        {
            return "starting";
        }
        var perSecond = backfill.RowsDone / seconds;
        var rate = $"{perSecond.ToString("N0", CultureInfo.InvariantCulture)} rows/s";
        if (backfill.RowsEstimate is not { } total || total <= backfill.RowsDone)
        {
            return rate;
        }
        return $"{backfill.RowsDone * 100 / total}%, {rate}, ETA {Duration(TimeSpan.FromSeconds((total - backfill.RowsDone) / perSecond))}";
    }

    /// <summary>A progress bar of all backfills together, then the table being backfilled.</summary>
    private static string Bar(SyncStatus status)
    {
        var copied = status.Backfills.Sum(c => c.RowsDone);
        var total = status.Backfills.Sum(c => Math.Max(c.RowsEstimate ?? 0, c.RowsDone));
        var fraction = total == 0 ? 1 : Math.Min(1, (double)copied / total);
        const int Width = 30;
        var filled = (int)(fraction * Width);
        var current = status.Backfills.FirstOrDefault(c => c.StartedAt is not null && c.FinishedAt is null) ?? status.Backfills[^1];
        var rate = current.StartedAt is null ? "" : Rate(current, status.At);
        return $"Backfilling [{new string('#', filled)}{new string('.', Width - filled)}] {fraction:P0} {copied.ToString("N0", CultureInfo.InvariantCulture)}/" +
            $"{total.ToString("N0", CultureInfo.InvariantCulture)} rows  {current.Table}: {rate}";
    }

    private static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s" : $"{Math.Max(1, (int)span.TotalSeconds)}s";

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "{Phase}: in the last {Seconds:0} s {Changes} changes, " +
        "{Written} documents written, {Deleted} deleted, {DeadLetters} dead-lettered; lag {LagBytes}, {LagSeconds:0.0} s; {Pending} dead letters pending{LastError}")]
    private static partial void Summary(ILogger logger, string phase, double seconds, long changes, long written, long deleted, long deadLetters,
        string lagBytes, double lagSeconds, string pending, string lastError);
}

using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using WalSync.Cli.Http;
using WalSync.Telemetry;

namespace WalSync.Cli.Inspection;

/// <summary>Writes a <see cref="StatusReport"/>: lines and a table for people, or one JSON document (<c>--json</c>).</summary>
public static class StatusPrinter
{
    /// <summary>The report as JSON, with the daemon's status as its <c>/status</c> writes it.</summary>
    public static string Json(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(new StatusReportBody(report.Healthy, report.Attention, report.Source, report.ServerWalLsn, report.PostgresError,
            report.Slot, report.Publication, report.Tables, report.ExactCounts, report.DeadLettersPending, report.TypesenseError, report.DaemonUrl,
            report.Daemon, report.DaemonError), StatusJson.Info<StatusReportBody>());
    }

    /// <summary>Writes the report for people: a table of the tables on a terminal, tab-separated columns otherwise.</summary>
    public static void Print(StatusReport report, TextWriter output, bool terminal)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"PostgreSQL   {report.Source}: {(report.PostgresError is { } error ? $"no answer ({error})" : $"WAL at {report.ServerWalLsn}")}");
        var slot = report.Slot;
        output.WriteLine($"Slot         {slot.Name}: " + (report.PostgresError is not null ? "unknown" : !slot.Exists ? "does not exist" :
            $"{(slot.ActivePid is { } pid ? $"active (walsender PID {pid})" : "inactive")}, confirmed_flush_lsn {slot.ConfirmedFlushLsn}, " +
            $"wal_status {slot.WalStatus}, retains {Format.Bytes(slot.RetainedWalBytes ?? 0)}, lag {Format.Bytes(slot.LagBytes ?? 0)}" +
            (slot.SpilledTransactions > 0 ? $", spilled {Format.Count(slot.SpilledTransactions.Value)} transaction(s), {Format.Bytes(slot.SpilledBytes ?? 0)}, " +
                "to disk (see Postgres:LogicalDecodingWorkMem)" : "") +
            (slot.StreamedTransactions > 0 ? $", streamed {Format.Count(slot.StreamedTransactions.Value)} transaction(s), " +
                $"{Format.Bytes(slot.StreamedBytes ?? 0)}, before their commit" : "")));
        var publication = report.Publication;
        output.WriteLine($"Publication  {publication.Name}: " + (report.PostgresError is not null ? "unknown" : !publication.Exists ? "does not exist" :
            publication.Tables.Count == 0 ? "publishes no table" : string.Join(", ", publication.Tables)));
        output.WriteLine($"Typesense    {(report.TypesenseError is { } typesense ? $"no answer ({typesense})" : "answers")}");
        output.WriteLine($"Daemon       {Daemon(report)}");
        output.WriteLine($"Dead letters {(report.DeadLettersPending is { } pending ? $"{Format.Count(pending.Values.Sum())} pending" : "unknown")}");
        output.WriteLine();
        var rowsHeader = report.ExactCounts ? "Rows" : "Rows (estimate)";
        if (terminal)
        {
            var table = new Table().AddColumns("Table", "Collection", rowsHeader, "Documents", "Written (daemon)", "Dead letters (daemon)");
            foreach (var row in report.Tables)
            {
                var progress = report.Daemon?.Collections.FirstOrDefault(c => c.Collection == row.Collection);
                table.AddRow(Markup.Escape(row.Table), Markup.Escape(row.Collection), Rows(row, report.ExactCounts), Documents(row),
                    progress is null ? "" : Format.Count(progress.DocumentsWritten), progress is null ? "" : Format.Count(progress.DeadLetters));
            }
            AnsiConsole.Write(table);
        }
        else
        {
            output.WriteLine(string.Join('\t', "table", "collection", report.ExactCounts ? "rows" : "rows_estimate", "documents"));
            foreach (var row in report.Tables)
            {
                output.WriteLine(string.Join('\t', row.Table, row.Collection, row.Rows?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    row.Documents?.ToString(CultureInfo.InvariantCulture) ?? "-"));
            }
        }
        output.WriteLine();
        if (report.Healthy)
        {
            output.WriteLine("OK: nothing needs attention.");
            return;
        }
        output.WriteLine("Needs attention:");
        foreach (var item in report.Attention)
        {
            output.WriteLine($"  - {item}");
        }
    }

    private static string Daemon(StatusReport report)
    {
        if (report.Daemon is not { } daemon)
        {
            return report.DaemonError ?? "unknown";
        }
        var lag = daemon.LagBytes is { } bytes ? Format.Bytes(bytes) : "unknown";
        var since = (daemon.At - daemon.PhaseSince).TotalSeconds;
        var text = $"{WalSyncTelemetry.PhaseName(daemon.Phase)} for {since:0} s at {report.DaemonUrl}; lag {lag}, {daemon.LagSeconds:0.0} s; " +
            $"last acknowledged {(daemon.LastAcknowledgedLsn == NpgsqlTypes.NpgsqlLogSequenceNumber.Invalid ? "nothing yet" : daemon.LastAcknowledgedLsn.ToString())}; " +
            $"last flush {(daemon.LastFlushAt is { } flush ? $"{(daemon.At - flush).TotalSeconds:0} s ago" : "none yet")}; {daemon.Restarts} restarts";
        if (daemon.Backfills.Any(c => c.FinishedAt is null))
        {
            text += "; backfilling " + string.Join(", ", daemon.Backfills.Select(c => $"{c.Table} {Format.Count(c.RowsDone)} of {(c.RowsEstimate is { } total ? Format.Count(total) : "?")}"));
        }
        return text;
    }

    private static string Rows(TableReport row, bool exact) =>
        row.Rows is { } rows ? (exact ? "" : "~") + Format.Count(rows) : Markup.Escape(row.Problem ?? "-");

    private static string Documents(TableReport row) =>
        row.CollectionExists == false ? "no collection" : row.Documents is { } documents ? Format.Count(documents) : "-";
}

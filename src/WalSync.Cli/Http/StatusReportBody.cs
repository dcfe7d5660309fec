using WalSync.Cli.Inspection;
using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>The document <c>walsync status --json</c> prints. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record StatusReportBody(bool Healthy, List<string> Attention, string Source, string? ServerWalLsn, string? PostgresError,
    SlotReport Slot, PublicationReport Publication, List<TableReport> Tables, bool ExactCounts,
    IReadOnlyDictionary<string, long>? DeadLettersPending, string? TypesenseError, string? DaemonUrl, SyncStatus? Daemon, string? DaemonError);

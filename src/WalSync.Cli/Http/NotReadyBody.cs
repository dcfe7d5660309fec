using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>The <c>/readyz</c> answer while not ready, with the reason. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record NotReadyBody(bool Ready, SyncPhase Phase, string? Reason, string? LastError);

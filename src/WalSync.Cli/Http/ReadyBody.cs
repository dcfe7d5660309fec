using WalSync.Status;

namespace WalSync.Cli.Http;

/// <summary>The <c>/readyz</c> answer while ready. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record ReadyBody(bool Ready, SyncPhase Phase);

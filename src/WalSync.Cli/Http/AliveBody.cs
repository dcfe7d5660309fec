namespace WalSync.Cli.Http;

/// <summary>The <c>/healthz</c> answer. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record AliveBody(string Status);

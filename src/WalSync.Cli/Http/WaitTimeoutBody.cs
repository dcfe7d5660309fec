namespace WalSync.Cli.Http;

/// <summary>The <c>/wait</c> answer when the position was not searchable in time. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record WaitTimeoutBody(string Error, string Lsn, string? SearchableThrough);

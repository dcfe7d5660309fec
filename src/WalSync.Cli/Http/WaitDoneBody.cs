namespace WalSync.Cli.Http;

/// <summary>The <c>/wait</c> answer once the position is searchable. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record WaitDoneBody(string Lsn, string? SearchableThrough, double WaitedSeconds);

namespace WalSync.Cli.Http;

/// <summary>The <c>/reindex</c> answer: the tables whose rebuild was asked for, and when. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record ReindexAcceptedBody(List<string> Requested, DateTimeOffset RequestedAt);

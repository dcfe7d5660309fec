namespace WalSync.Cli.Http;

/// <summary>An HTTP answer that says what was wrong with the request. Written snake_case by <see cref="StatusJson"/>.</summary>
internal sealed record ErrorBody(string? Error);

namespace WalSync.Tests.TypesenseEmulator;

/// <summary>An HTTP answer as the contract tests compare it.</summary>
/// <param name="Status">Status code.</param>
/// <param name="ContentType">The Content-Type header as sent, or "".</param>
/// <param name="Body">The body text.</param>
public sealed record Reply(int Status, string ContentType, string Body);

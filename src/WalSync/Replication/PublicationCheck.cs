namespace WalSync.Replication;

/// <summary>What <c>walsync run</c> would find and do with the publication, seen without changing anything.</summary>
/// <param name="Message">What was found, in one sentence.</param>
/// <param name="Tables">The tables with the row filter and the columns the publication will publish.</param>
/// <param name="Values">Whether the stream will carry binary values (<see cref="BinaryTypes"/>), with the publication
/// as the start will leave it.</param>
internal sealed record PublicationCheck(string Message, IReadOnlyList<SourceTable> Tables, BinaryTypes.Decision Values);

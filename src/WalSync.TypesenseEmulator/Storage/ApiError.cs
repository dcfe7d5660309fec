namespace WalSync.TypesenseEmulator.Storage;

/// <summary>An error the emulator answers with: HTTP status and Typesense's message text.</summary>
/// <param name="Status">HTTP status code, e.g. 400.</param>
/// <param name="Message">Message text exactly as Typesense words it.</param>
internal sealed record ApiError(int Status, string Message);

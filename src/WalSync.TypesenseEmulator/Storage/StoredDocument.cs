using System.Text.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>A stored document: its id, its sequence number and its canonical JSON (as GET returns it).</summary>
/// <param name="Id">Document id.</param>
/// <param name="SeqId">Internal sequence number: export order, and the default search order (newest first).</param>
/// <param name="Json">Compact JSON, keys in byte order, UTF-8; a slice of the collection's append-only arena.</param>
internal readonly record struct StoredDocument(string Id, long SeqId, ReadOnlyMemory<byte> Json)
{
    /// <summary>Parses the stored JSON; the caller disposes the result.</summary>
    public JsonDocument Parse() => JsonDocument.Parse(Json);
}

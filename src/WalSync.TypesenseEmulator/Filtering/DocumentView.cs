using System.Text.Json;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Filtering;

/// <summary>A stored document with its JSON parsed on first use (filters on ids never parse it).</summary>
internal sealed class DocumentView : IDisposable
{
    private JsonDocument? _parsed;

    /// <summary>Wraps <paramref name="document"/>.</summary>
    public DocumentView(StoredDocument document) => Document = document;

    /// <summary>The stored document.</summary>
    public StoredDocument Document { get; }

    /// <summary>The document's root object.</summary>
    public JsonElement Root => (_parsed ??= Document.Parse()).RootElement;

    /// <summary>The value at a top-level or dotted path, or false when absent.</summary>
    public bool TryGetValue(string path, out JsonElement value)
    {
        if (Root.TryGetProperty(path, out value))
        {
            return true;
        }

        value = Root;
        foreach (var part in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _parsed?.Dispose();
}

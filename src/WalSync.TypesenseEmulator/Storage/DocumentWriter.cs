using System.Text;
using System.Text.Json;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// Writes one document into a collection with Typesense's id rules (<c>Collection::to_doc()</c>), schema validation
/// (<c>validator_t</c>) and action semantics. Callers hold the collection's <see cref="EmulatorCollection.Gate"/>.
/// </summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html</remarks>
internal sealed class DocumentWriter
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 4096 };

    private readonly EmulatorCollection _collection;
    private readonly Utf8Buffer _output = new(2048);

    /// <summary>Creates a writer for one collection; reuse it for all lines of a request.</summary>
    public DocumentWriter(EmulatorCollection collection) => _collection = collection;

    /// <summary>
    /// Writes one JSON text. <paramref name="pathId"/> is the id from a PATCH URL, else null. With
    /// <paramref name="wantIdJson"/> false, <see cref="WriteOutcome.IdJson"/> is left null for explicit ids (saves work
    /// when the caller does not report ids).
    /// </summary>
    public WriteOutcome Write(ReadOnlyMemory<byte> json, WriteAction action, DirtyValues dirty, string? pathId = null, bool wantIdJson = true)
    {
        // System.Text.Json parses; nlohmann's rules are checked in full only where the two can disagree, and give the
        // error text whenever either one rejects the line.
        var text = json.Span;
        if (NlohmannValidator.NeedsFullCheck(text) && NlohmannValidator.Validate(text) is { } parseError)
        {
            return BadJson(parseError);
        }

        var body = text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException e)
        {
            return BadJson(NlohmannValidator.Validate(text) ?? e.Message);
        }

        using (document)
        {
            try
            {
                return Write(document.RootElement, action, dirty, pathId, wantIdJson);
            }
            catch (Exception e) when (e is FormatException or OverflowException && NlohmannValidator.Validate(text) is not null)
            {
                return BadJson(NlohmannValidator.Validate(text)!);
            }
        }
    }

    private WriteOutcome Write(JsonElement root, WriteAction action, DirtyValues dirty, string? pathId, bool wantIdJson)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new WriteOutcome(400, "Bad JSON: not a properly formed document.", null, null, true);
        }

        var hasId = root.TryGetProperty("id", out var idElement);
        var idText = hasId && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        string? idJson = hasId && wantIdJson ? Canonical(idElement) : null;
        if (hasId && pathId is not null && idText != pathId)
        {
            return Fail(400, "The `id` of the resource does not match the `id` in the JSON body.", idJson);
        }

        if (!hasId && pathId is not null && wantIdJson)
        {
            idJson = Canonical(pathId);
        }

        if (idText?.Length == 0)
        {
            return Fail(400, "The `id` should not be empty.", idJson);
        }

        string id;
        long seqId;
        StoredDocument? existing = null;
        if (!hasId && pathId is null)
        {
            if (action == WriteAction.Update)
            {
                return Fail(400, "For update, the `id` key must be provided.", idJson);
            }

            // As in to_doc(): a new document takes its sequence number before validation, failed or not.
            seqId = NextSeqId();
            id = seqId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            idJson = Canonical(id);
        }
        else
        {
            if (hasId && idText is null)
            {
                return Fail(400, "Document's `id` field should be a string.", idJson);
            }

            id = idText ?? pathId!;
            existing = _collection.Documents.Find(id);
            if (existing.HasValue)
            {
                if (action == WriteAction.Create)
                {
                    return Fail(409, $"A document with id {id} already exists.", idJson);
                }
            }
            else if (action == WriteAction.Update)
            {
                return Fail(404, $"Could not find a document with id: {id}", idJson);
            }

            seqId = existing?.SeqId ?? NextSeqId();
        }

        var merge = existing is not null && action is WriteAction.Update or WriteAction.Emplace;
        var validation = new DocumentValidation(_collection, root, merge, dirty);
        if (validation.Run() is { } invalid)
        {
            return Fail(validation.ErrorCode, invalid, idJson);
        }

        if (!hasId)
        {
            validation.Overrides["id"] = idJson ?? Canonical(id);
        }

        using var patch = validation.HasOverrides ? JsonDocument.Parse(ToObject(validation.Overrides)) : null;
        var patchRoot = patch?.RootElement ?? default;
        _output.Clear();
        if (merge)
        {
            using var previous = existing!.Value.Parse();
            CanonicalJson.WriteObject(_output, previous.RootElement, root, patchRoot);
        }
        else
        {
            CanonicalJson.WriteObject(_output, root, patchRoot);
        }

        validation.CommitNewFields();
        var stored = _collection.Documents.Put(id, seqId, _output.WrittenSpan);
        return new WriteOutcome(200, null, stored, idJson, true);
    }

    private static WriteOutcome Fail(int code, string error, string? idJson) => new(code, error, null, idJson, true);

    private static WriteOutcome BadJson(string parseError) => new(400, "Bad JSON: " + parseError, null, null, false);

    private long NextSeqId() => _collection.NextSeqId++;

    private static string Canonical(JsonElement element)
    {
        var buffer = new Utf8Buffer(64);
        CanonicalJson.WriteValue(buffer, element);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Canonical(string text)
    {
        var buffer = new Utf8Buffer(text.Length + 8);
        CanonicalJson.WriteString(buffer, text);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string ToObject(Dictionary<string, string> members)
    {
        var text = new StringBuilder("{");
        foreach (var (name, json) in members)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            text.Append(Canonical(name)).Append(':').Append(json);
        }

        return text.Append('}').ToString();
    }
}

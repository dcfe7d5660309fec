using System.Text.Json;
using WalSync.TypesenseEmulator.Filtering;
using WalSync.TypesenseEmulator.Storage;

namespace WalSync.TypesenseEmulator.Endpoints;

/// <summary>
/// Result order: <c>sort_by=field:asc|desc</c> on one numeric field, else the default sorting field descending;
/// ties (and everything without a sort field) newest first, as Typesense orders by sequence id.
/// </summary>
internal sealed class SearchSort
{
    private readonly string? _field;
    private readonly bool _descending;

    private SearchSort(string? field, bool descending)
    {
        _field = field;
        _descending = descending;
    }

    /// <summary>Parses <c>sort_by</c>; sets <paramref name="error"/> for an unknown or unsortable field.</summary>
    public static SearchSort Parse(string? sortBy, EmulatorCollection collection, out ApiError? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(sortBy))
        {
            return new SearchSort(collection.DefaultSortingField.Length > 0 ? collection.DefaultSortingField : null, true);
        }

        var parts = sortBy.Split(',')[0].Split(':', 2);
        var name = parts[0].Trim();
        var order = parts.Length > 1 ? parts[1].Trim().ToLowerInvariant() : "desc";
        if (name is "_text_match" or "_seq_id")
        {
            return new SearchSort(null, order != "asc");
        }

        if (collection.FindField(name) is not { } field || field.IsArray || field.ElementType is not ("int32" or "int64" or "float" or "bool"))
        {
            error = new ApiError(404, $"Could not find a field named `{name}` in the schema for sorting.");
            return new SearchSort(null, true);
        }

        if (order is not ("asc" or "desc"))
        {
            error = new ApiError(400, $"Order for field` {name}` should be either ASC or DESC.");
        }

        return new SearchSort(name, order != "asc");
    }

    /// <summary>Sorts the hits.</summary>
    public List<StoredDocument> Order(List<StoredDocument> hits)
    {
        var keyed = hits.Select(d => (Document: d, Key: Key(d))).ToList();
        keyed.Sort((a, b) =>
        {
            var byField = a.Key.CompareTo(b.Key);
            if (byField != 0)
            {
                return _descending ? -byField : byField;
            }

            return b.Document.SeqId.CompareTo(a.Document.SeqId);
        });
        return [.. keyed.Select(k => k.Document)];
    }

    private double Key(StoredDocument document)
    {
        if (_field is null)
        {
            return 0;
        }

        using var view = new DocumentView(document);
        if (!view.TryGetValue(_field, out var value))
        {
            return double.NegativeInfinity;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => double.NegativeInfinity,
        };
    }
}

using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>
/// One collection: its schema and documents. Every read and write of <see cref="Documents"/>, <see cref="Fields"/>
/// and <see cref="NextSeqId"/> happens while holding <see cref="Gate"/>: writes to a collection are serialised as in
/// Typesense's batched indexer, and a write is visible to the next read.
/// </summary>
internal sealed class EmulatorCollection
{
    /// <summary>Lock guarding the documents, the schema and the sequence counter.</summary>
    public object Gate { get; } = new();

    /// <summary>Collection name.</summary>
    public required string Name { get; init; }

    /// <summary>Creation time, Unix seconds.</summary>
    public required long CreatedAt { get; init; }

    /// <summary>Default sorting field, "" when none.</summary>
    public string DefaultSortingField { get; init; } = string.Empty;

    /// <summary>Whether object fields are allowed.</summary>
    public bool EnableNestedFields { get; init; }

    /// <summary>Raw canonical JSON of <c>metadata</c>, or null when not set.</summary>
    public byte[]? Metadata { get; set; }

    /// <summary>Raw canonical JSON array of <c>symbols_to_index</c>.</summary>
    public byte[] SymbolsToIndex { get; init; } = "[]"u8.ToArray();

    /// <summary>Raw canonical JSON array of <c>token_separators</c>.</summary>
    public byte[] TokenSeparators { get; init; } = "[]"u8.ToArray();

    private Dictionary<string, FieldDefinition>? _concreteFields;
    private bool _hasDynamicFields;

    /// <summary>
    /// Schema fields in declaration order, followed by fields detected from documents. Call
    /// <see cref="FieldsChanged"/> after changing the list.
    /// </summary>
    public List<FieldDefinition> Fields { get; init; } = [];

    /// <summary>Documents by id.</summary>
    public DocumentTable Documents { get; } = new();

    /// <summary>Next internal sequence number.</summary>
    public long NextSeqId { get; set; }

    /// <summary>
    /// <c>dirty_values</c> default: reject for fixed schemas, coerce_or_reject when a dynamic field exists
    /// (Typesense <c>Collection::parse_dirty_values_option()</c>).
    /// </summary>
    public DirtyValues DefaultDirtyValues => HasDynamicFields ? DirtyValues.CoerceOrReject : DirtyValues.Reject;

    /// <summary>True if a field makes concrete fields from documents (<c>.*</c>, <c>auto</c>, <c>string*</c>).</summary>
    public bool HasDynamicFields
    {
        get
        {
            Index();
            return _hasDynamicFields;
        }
    }

    /// <summary>The concrete field named <paramref name="name"/>, or null.</summary>
    public FieldDefinition? FindField(string name) => Index().GetValueOrDefault(name);

    /// <summary>Forgets the field index after <see cref="Fields"/> changed.</summary>
    public void FieldsChanged() => _concreteFields = null;

    private Dictionary<string, FieldDefinition> Index()
    {
        if (_concreteFields is null)
        {
            _concreteFields = new Dictionary<string, FieldDefinition>(StringComparer.Ordinal);
            foreach (var field in Fields.Where(f => !f.IsDynamic))
            {
                _concreteFields[field.Name] = field;
            }

            _hasDynamicFields = Fields.Exists(f => f.IsDynamic);
        }

        return _concreteFields;
    }

    /// <summary>Writes the collection summary (<c>Collection::get_summary_json()</c>). Caller holds <see cref="Gate"/>.</summary>
    public void WriteSummary(Utf8Buffer output)
    {
        output.Write("{\"created_at\":"u8);
        output.WriteAscii(CreatedAt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.Write(",\"default_sorting_field\":"u8);
        CanonicalJson.WriteString(output, DefaultSortingField);
        output.Write(",\"enable_nested_fields\":"u8);
        output.Write(EnableNestedFields ? "true"u8 : "false"u8);
        output.Write(",\"fields\":["u8);
        for (var i = 0; i < Fields.Count; i++)
        {
            if (i > 0)
            {
                output.Write((byte)',');
            }

            Fields[i].WriteJson(output);
        }

        output.Write((byte)']');
        if (Metadata is not null)
        {
            output.Write(",\"metadata\":"u8);
            output.Write(Metadata);
        }

        output.Write(",\"name\":"u8);
        CanonicalJson.WriteString(output, Name);
        output.Write(",\"num_documents\":"u8);
        output.WriteAscii(Documents.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.Write(",\"symbols_to_index\":"u8);
        output.Write(SymbolsToIndex);
        output.Write(",\"token_separators\":"u8);
        output.Write(TokenSeparators);
        output.Write((byte)'}');
    }
}

using System.Text.RegularExpressions;
using WalSync.TypesenseEmulator.Json;

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>One field of a collection schema, with Typesense's defaults filled in.</summary>
/// <remarks>Defaults from Typesense <c>field::json_field_to_field()</c>; https://typesense.org/docs/29.0/api/collections.html</remarks>
internal sealed class FieldDefinition
{
    private bool? _isDynamic;

    /// <summary>Field name; may be a pattern such as <c>.*</c> or <c>.*_name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Typesense type name such as <c>string</c>, <c>int64[]</c>, <c>auto</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Whether the field is faceted.</summary>
    public bool Facet { get; init; }

    /// <summary>Whether documents may omit the field.</summary>
    public bool Optional { get; init; }

    /// <summary>Whether the field is indexed.</summary>
    public bool Index { get; init; } = true;

    /// <summary>Whether the field is sortable.</summary>
    public bool Sort { get; init; }

    /// <summary>Whether infix search is enabled.</summary>
    public bool Infix { get; init; }

    /// <summary>Whether the value is stored on disk.</summary>
    public bool Store { get; init; } = true;

    /// <summary>Whether stemming is enabled.</summary>
    public bool Stem { get; init; }

    /// <summary>Whether a range index is kept (only emitted when true).</summary>
    public bool RangeIndex { get; init; }

    /// <summary>Locale, "" by default.</summary>
    public string Locale { get; init; } = string.Empty;

    /// <summary>Stemming dictionary name, "" by default.</summary>
    public string StemDictionary { get; init; } = string.Empty;

    /// <summary>True for <c>.*</c>-style names, <c>auto</c> and <c>string*</c>: such a field makes concrete fields.</summary>
    public bool IsDynamic => _isDynamic ??= Name.Contains(".*", StringComparison.Ordinal) || Type is "auto" or "string*";

    /// <summary>True for a dotted name inside an object field (nested fields).</summary>
    public bool IsNestedPath { get; init; }

    /// <summary>True for a sub-field found in an object field's value (not declared): the emulator does not check later
    /// values against its type, which Typesense does (see README.md, "What it does not reproduce").</summary>
    public bool Discovered { get; init; }

    /// <summary>Full-match pattern of a dynamic name, or null.</summary>
    public Regex? Pattern { get; init; }

    /// <summary>True for array types.</summary>
    public bool IsArray => Type.EndsWith("[]", StringComparison.Ordinal);

    /// <summary>The element type of an array type, or the type itself.</summary>
    public string ElementType => IsArray ? Type[..^2] : Type;

    /// <summary>Default of <c>sort</c> for a type: numbers, bools and geopoints sort by default.</summary>
    public static bool DefaultSort(string type) =>
        type is "int32" or "int64" or "float" or "bool" or "geopoint" or "geopoint[]" or "geopolygon";

    /// <summary>A concrete field made from a dynamic one for the document key <paramref name="name"/>.</summary>
    public FieldDefinition Concrete(string name, string type) => new()
    {
        Name = name,
        Type = type,
        Facet = Facet,
        Optional = true,
        Index = Index,
        Sort = DefaultSort(type),
        Infix = Infix,
        Locale = Locale,
        Store = Store,
    };

    /// <summary>Writes the field as the collection summary shows it (keys in byte order).</summary>
    public void WriteJson(Utf8Buffer output)
    {
        output.Write("{\"facet\":"u8);
        WriteBool(output, Facet);
        output.Write(",\"index\":"u8);
        WriteBool(output, Index);
        output.Write(",\"infix\":"u8);
        WriteBool(output, Infix);
        output.Write(",\"locale\":"u8);
        CanonicalJson.WriteString(output, Locale);
        output.Write(",\"name\":"u8);
        CanonicalJson.WriteString(output, Name);
        output.Write(",\"optional\":"u8);
        WriteBool(output, Optional);
        if (RangeIndex)
        {
            output.Write(",\"range_index\":true"u8);
        }

        output.Write(",\"sort\":"u8);
        WriteBool(output, Sort);
        output.Write(",\"stem\":"u8);
        WriteBool(output, Stem);
        output.Write(",\"stem_dictionary\":"u8);
        CanonicalJson.WriteString(output, StemDictionary);
        output.Write(",\"store\":"u8);
        WriteBool(output, Store);
        output.Write(",\"type\":"u8);
        CanonicalJson.WriteString(output, Type);
        output.Write((byte)'}');
    }

    private static void WriteBool(Utf8Buffer output, bool value) => output.Write(value ? "true"u8 : "false"u8);
}

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using WalSync.Configuration;
using WalSync.Replication;
using WalSync.Typesense;

namespace WalSync.Mapping;

/// <summary>
/// Turns rows of one relation version into Typesense documents (JSON lines for the import endpoint) and describes the
/// collection they go to. Create a new mapper for every new <see cref="RelationInfo"/>. Thread-safe: the per-row
/// buffers belong to the calling thread.
/// </summary>
/// <remarks>
/// The type mapping is in <see cref="TypeMappingTable"/>. A NULL column is left out of a full document; in a partial
/// document (for <c>action=update</c>) it is written as <c>null</c>, which makes Typesense remove the field
/// (https://typesense.org/docs/29.0/api/documents.html#update-a-document). The document id is built as described on
/// <see cref="DocumentId"/>: one key column gives its text form; several give each part's text with <c>\</c> → <c>\\</c>
/// and <c>|</c> → <c>\|</c>, joined by <c>|</c>.
/// </remarks>
internal sealed class DocumentMapper
{
    private static readonly byte[] IdName = JsonLineWriter.EncodePropertyName("id");

    private readonly MappingPlan _plan;

    /// <summary>Plans the mapping of <paramref name="relation"/> under <paramref name="table"/>'s settings.</summary>
    /// <param name="relation">The relation version the rows belong to.</param>
    /// <param name="keyColumns">The primary key (or replica identity index) columns from the catalog, in key order;
    /// not <see cref="ColumnInfo.IsKey"/>, which REPLICA IDENTITY FULL sets on every column.</param>
    /// <param name="table">The table's settings (Columns, ExcludeColumns, SoftDeleteColumn).</param>
    /// <param name="types">The type catalog that knows every column type of the relation.</param>
    /// <param name="nested">The table's resolved <c>Nested</c> entries; none when null.</param>
    /// <exception cref="MappingConfigurationException">A setting names no column, excludes a key column, Columns and
    /// ExcludeColumns are both set, a key column is not published, or the table has no key.</exception>
    public DocumentMapper(RelationInfo relation, IReadOnlyList<string> keyColumns, TableOptions table, PgTypeCatalog types,
        IReadOnlyList<NestedPlan>? nested = null)
    {
        _plan = MappingPlan.Create(relation, keyColumns, table, types);
        Relation = relation;
        Nested = nested ?? [];
        var fields = _plan.Fields.Select(f => new FieldSchema { Name = f.Name, Type = f.Type.TypesenseType, Optional = !f.IsKey }).ToList();
        AddNestedFields(fields, Nested, "", inArray: false);
        Fields = fields.AsReadOnly();
    }

    /// <summary>The table's resolved <c>Nested</c> entries; empty when it has none. Documents of such a table are always
    /// written whole, from rows read back with their nested fields (<see cref="NestedSql"/>).</summary>
    public IReadOnlyList<NestedPlan> Nested { get; }

    // Every nested field and sub-field is declared, optional: a sub-field's type would otherwise be fixed by the first
    // value seen (5 makes int64, and a later 5.5 is refused). Values reached through an array are arrays
    // (Typesense v29 field.cpp flatten_field; typesense-api reference §16.1).
    private static void AddNestedFields(List<FieldSchema> fields, IReadOnlyList<NestedPlan> plans, string prefix, bool inArray)
    {
        foreach (var plan in plans)
        {
            if (plan.Kind == NestedRelationKind.Generated)
            {
                fields.AddRange(plan.Columns.Select(c => new FieldSchema { Name = c.Name, Type = c.Type.TypesenseType, Optional = true }));
                continue;
            }
            var array = inArray || plan.IsArray;
            var name = prefix + plan.Field;
            fields.Add(new FieldSchema { Name = name, Type = array ? "object[]" : "object", Optional = true });
            foreach (var column in plan.Columns)
            {
                var type = column.Type.TypesenseType;
                fields.Add(new FieldSchema { Name = $"{name}.{column.Name}", Type = array && !type.EndsWith("[]", StringComparison.Ordinal) ? type + "[]" : type, Optional = true });
            }
            AddNestedFields(fields, plan.Children, name + ".", array);
        }
    }

    /// <summary>The relation version this mapper was made for.</summary>
    public RelationInfo Relation { get; }

    /// <summary>The fields, in column order; <c>id</c> is not included. Key columns are required, all others optional.</summary>
    public IReadOnlyList<FieldSchema> Fields { get; }

    /// <summary>The schema to create the collection with.</summary>
    /// <remarks><c>enable_nested_fields</c> is always on: it cannot be changed after the collection is created, and a
    /// json/jsonb column added later needs it (https://typesense.org/docs/29.0/api/collections.html#indexing-nested-fields).</remarks>
    public CollectionSchema BuildCollectionSchema(string collectionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collectionName);
        return new CollectionSchema { Name = collectionName, Fields = Fields, EnableNestedFields = true };
    }

    /// <summary>The document id of <paramref name="row"/>, a full row or a 'K' key tuple.</summary>
    /// <exception cref="InvalidOperationException">A key column is NULL or an unchanged TOASTed value.</exception>
    public string GetDocumentId(RowImage row) =>
        TryGetDocumentId(row, out var id, out var error) ? id : throw new InvalidOperationException($"Table {Relation.QualifiedName}: {error}.");

    /// <summary>The document id of <paramref name="row"/>, or false and the reason when a key column holds no value.</summary>
    public bool TryGetDocumentId(RowImage row, [NotNullWhen(true)] out string? id, [NotNullWhen(false)] out string? error)
    {
        error = CheckKey(row, requireNonEmpty: false);
        id = error is null ? DocumentId.ToString(row, _plan.KeyColumns) : null;
        return error is null;
    }

    /// <summary>
    /// True when the SoftDeleteColumn marks <paramref name="row"/> as deleted: a boolean column holding true, or a
    /// column of another type holding any value. False when no SoftDeleteColumn is set or the row does not carry it.
    /// </summary>
    public bool IsSoftDeleted(RowImage row)
    {
        var column = _plan.SoftDeleteColumn;
        if (column < 0 || column >= row.ColumnCount || row.GetKind(column) != ColumnValueKind.Text)
        {
            return false;
        }
        return !_plan.SoftDeleteIsBool || (row.TryGetBinary(column, out _, out var binary) ? binary[0] != 0 : row.GetText(column).SequenceEqual("t"u8));
    }

    /// <summary>
    /// False when a partial document of <paramref name="row"/> would carry a json/jsonb object: <c>action=update</c>
    /// merges a nested object into the stored one (keys it lacks stay, keys holding null are removed) instead of
    /// replacing it, so such a row must be written whole. True otherwise.
    /// </summary>
    /// <remarks>https://typesense.org/docs/29.0/api/documents.html#update-a-document</remarks>
    public bool CanUpdatePartially(RowImage row)
    {
        foreach (var field in _plan.Fields)
        {
            if (field.Type is { Kind: ScalarKind.JsonObject, IsArray: false } && field.Column < row.ColumnCount
                && row.GetKind(field.Column) == ColumnValueKind.Text)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Writes <paramref name="row"/> as one JSON document followed by '\n' to <paramref name="output"/>.</summary>
    /// <param name="row">A full row of this relation.</param>
    /// <param name="output">Where the line goes; nothing is written to it on failure.</param>
    /// <param name="partial">True for <c>action=update</c>: unchanged-TOAST columns are left out and NULL columns are
    /// written as null. False for <c>action=upsert</c>: every column must be present, NULL columns are left out.</param>
    /// <returns>Success, or the reason (naming the column) the row cannot become a document.</returns>
    public MappingResult WriteDocument(RowImage row, IBufferWriter<byte> output, bool partial) => WriteDocument(row, default, output, partial);

    /// <summary>Writes <paramref name="row"/> with its nested fields as one JSON document followed by '\n' to <paramref name="output"/>.</summary>
    /// <param name="row">A full row of this relation.</param>
    /// <param name="nested">The nested fields as <see cref="NestedSql.Document"/> read them; required when the table has <see cref="Nested"/> entries.</param>
    /// <param name="output">Where the line goes; nothing is written to it on failure.</param>
    /// <param name="partial">As for <see cref="WriteDocument(RowImage, IBufferWriter{byte}, bool)"/>; never true for a table with nested entries.</param>
    /// <returns>Success, or the reason (naming the column or sub-field) the row cannot become a document.</returns>
    public MappingResult WriteDocument(RowImage row, ReadOnlySpan<byte> nested, IBufferWriter<byte> output, bool partial)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Nested.Count > 0 && (partial || nested.IsEmpty))
        {
            // Without its nested fields the document would replace the stored one with less than the row's document.
            return MappingResult.Failure($"the nested fields of {Relation.QualifiedName} were not read with the row; it is written when read back whole");
        }
        var keyError = CheckKey(row, requireNonEmpty: true);
        if (keyError is not null)
        {
            return MappingResult.Failure(keyError);
        }
        var writer = JsonValueWriter.Current;
        writer.Begin();
        var json = writer.Json;
        json.StartObject();
        if (!TryWriteId(json, row))
        {
            return MappingResult.Failure(MappingErrors.InvalidId());
        }
        foreach (var field in _plan.Fields)
        {
            switch (row.GetKind(field.Column))
            {
                case ColumnValueKind.Null when partial:
                    json.PropertyName(field.EncodedName);
                    json.NullValue();
                    break;
                case ColumnValueKind.Null:
                    break;
                case ColumnValueKind.UnchangedToast when partial:
                    break;
                case ColumnValueKind.UnchangedToast:
                    return MappingResult.Failure(MappingErrors.UnchangedToast(field.Name));
                default:
                    json.PropertyName(field.EncodedName);
                    var element = 0;
                    var error = field.Type.IsArray
                        ? writer.WriteArray(field.Type.Kind, field.Type.Delimiter, row.GetText(field.Column), out element)
                        : row.TryGetBinary(field.Column, out var form, out var binary)
                            ? writer.WriteBinaryScalar(field.Type.Kind, form, binary)
                            : writer.WriteScalar(field.Type.Kind, row.GetText(field.Column));
                    if (error != ValueError.None)
                    {
                        return MappingResult.Failure(MappingErrors.Describe(field, error, element));
                    }
                    break;
            }
        }
        if (Nested.Count > 0 && NestedJsonWriter.Write(writer, Nested, nested) is { } nestedError)
        {
            return MappingResult.Failure(nestedError);
        }
        json.EndObject();
        var document = json.Written;
        var destination = output.GetSpan(document.Length + 1);
        document.CopyTo(destination);
        destination[document.Length] = (byte)'\n';
        output.Advance(document.Length + 1);
        return MappingResult.Ok;
    }

    // False when the key's text is not valid UTF-8 (a SQL_ASCII database) or too long for a JSON string.
    private bool TryWriteId(JsonLineWriter json, RowImage row)
    {
        var keys = _plan.KeyColumns;
        json.PropertyName(IdName);
        if (keys.Length == 1)
        {
            return json.StringValue(row.GetText(keys[0]));
        }
        var length = DocumentId.GetByteCount(row, keys);
        byte[]? rented = null;
        var buffer = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        DocumentId.Write(row, keys, buffer);
        var written = json.StringValue(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return written;
    }

    // Null when every key column holds a value; the reason otherwise.
    private string? CheckKey(RowImage row, bool requireNonEmpty)
    {
        if (row.ColumnCount != Relation.Columns.Count)
        {
            return MappingErrors.ColumnCount(row.ColumnCount, Relation.Columns.Count);
        }
        foreach (var column in _plan.KeyColumns)
        {
            var kind = row.GetKind(column);
            if (kind != ColumnValueKind.Text)
            {
                return MappingErrors.KeyMissing(Relation.Columns[column].Name, kind == ColumnValueKind.UnchangedToast);
            }
        }
        return requireNonEmpty && _plan.KeyColumns.Length == 1 && row.GetText(_plan.KeyColumns[0]).IsEmpty
            ? MappingErrors.EmptyId(Relation.Columns[_plan.KeyColumns[0]].Name)
            : null;
    }
}

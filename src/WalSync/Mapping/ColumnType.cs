namespace WalSync.Mapping;

/// <summary>How one column maps: the kind of its values (of its elements, for an array) and its Typesense field type.</summary>
/// <param name="Kind">How a value (or an element) is written.</param>
/// <param name="IsArray">True for a 1-D array column.</param>
/// <param name="Delimiter">The element delimiter of the array text form (',' except ';' for box).</param>
/// <param name="PgName">The PostgreSQL type as named in messages, e.g. <c>numeric</c>, <c>integer[]</c>.</param>
internal readonly record struct ColumnType(ScalarKind Kind, bool IsArray, byte Delimiter, string PgName)
{
    /// <summary>The Typesense field type: string, int32, int64, float, bool, object, or one of their arrays.</summary>
    public string TypesenseType => IsArray ? ScalarTypesenseType(Kind) + "[]" : ScalarTypesenseType(Kind);

    /// <summary>Resolves the column type <paramref name="oid"/>: domains become their base type, arrays map by their element type.</summary>
    /// <remarks>A type the catalog does not know maps to its text form (a string): any text can be stored as a string.</remarks>
    public static ColumnType Resolve(PgTypeCatalog catalog, uint oid)
    {
        var type = catalog.FindBase(oid);
        if (type is null)
        {
            return new ColumnType(ScalarKind.OtherText, false, (byte)',', $"type {oid}");
        }
        if (type.Kind != PgTypeKind.Array)
        {
            return new ColumnType(KindOf(type), false, (byte)',', DisplayName(type));
        }
        var element = catalog.FindBase(type.ElementOid);
        if (element is null)
        {
            return new ColumnType(ScalarKind.OtherText, true, (byte)',', $"type {type.ElementOid}[]");
        }
        return new ColumnType(KindOf(element), true, (byte)element.Delimiter, DisplayName(element) + "[]");
    }

    private static ScalarKind KindOf(PgTypeInfo type) => type.Oid switch
    {
        21 or 23 => ScalarKind.Int32,
        20 => ScalarKind.Int64,
        700 or 701 or 1700 => ScalarKind.Float,
        16 => ScalarKind.Bool,
        25 or 1043 or 1042 or 19 => ScalarKind.Text,
        2950 => ScalarKind.Uuid,
        1184 or 1114 => ScalarKind.Timestamp,
        1082 => ScalarKind.Date,
        114 or 3802 => ScalarKind.JsonObject,
        _ when type.Kind == PgTypeKind.Enum => ScalarKind.Text,
        _ when type.Name == "citext" && type.Kind == PgTypeKind.Base => ScalarKind.Text,
        _ => ScalarKind.OtherText,
    };

    private static string ScalarTypesenseType(ScalarKind kind) => kind switch
    {
        ScalarKind.Int32 => "int32",
        ScalarKind.Int64 or ScalarKind.Timestamp or ScalarKind.Date => "int64",
        ScalarKind.Float => "float",
        ScalarKind.Bool => "bool",
        ScalarKind.JsonObject => "object",
        _ => "string",
    };

    // SQL names for the built-in types users write; other types by their catalog name.
    private static string DisplayName(PgTypeInfo type) => type.Oid switch
    {
        21 => "smallint",
        23 => "integer",
        20 => "bigint",
        700 => "real",
        701 => "double precision",
        16 => "boolean",
        1042 => "char",
        _ => type.Name,
    };
}

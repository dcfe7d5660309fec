namespace WalSync.Mapping;

/// <summary>The reasons a row cannot become a document, worded for the dead-letter store. Built only on failure.</summary>
internal static class MappingErrors
{
    /// <summary>Why a value of <paramref name="field"/> could not be written.</summary>
    /// <param name="field">The field.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="element">The 1-based array element at fault, or 0 for the value as a whole.</param>
    public static string Describe(FieldPlan field, ValueError error, int element)
    {
        var type = field.Type;
        var where = element > 0 ? $"column {field.Name}, element {element}" : $"column {field.Name}";
        var pgType = type.IsArray && element > 0 ? type.PgName[..^2] : type.PgName;
        var target = $"a Typesense {type.TypesenseType} field";
        var isTime = type.Kind is ScalarKind.Timestamp or ScalarKind.Date;
        var problem = error switch
        {
            ValueError.NaN => $"{pgType} NaN cannot be stored in {target}",
            ValueError.PositiveInfinity => $"{pgType} {(isTime ? "infinity" : "Infinity")} cannot be stored in {target}",
            ValueError.NegativeInfinity => $"{pgType} {(isTime ? "-infinity" : "-Infinity")} cannot be stored in {target}",
            ValueError.OutOfRange => $"{pgType} value is outside the range of {target}",
            ValueError.NotAnObject => $"{pgType} value is not a JSON object, and {target} holds only objects",
            ValueError.MultiDimensional => $"a multi-dimensional {pgType} value cannot be stored in {target}; "
                + "exclude the column with Tables[].ExcludeColumns to keep the table in sync without it",
            ValueError.InvalidText => $"{pgType} value is not valid UTF-8 or is too long for a JSON string",
            _ => $"{pgType} value is not in PostgreSQL's text form for the type "
                + "(the replication connection must use DateStyle=ISO and extra_float_digits=3)",
        };
        return $"{where}: {problem}";
    }

    /// <summary>A key column holds no value.</summary>
    public static string KeyMissing(string column, bool unchangedToast) => unchangedToast
        ? $"key column {column}: the value is an unchanged TOASTed value that PostgreSQL did not send; "
            + "fill it from the old key tuple (RowImage.FillUnchangedToastFrom) before mapping"
        : $"key column {column}: the value is NULL, so the row has no document id";

    /// <summary>A one-column key holds the empty string, which Typesense does not take as an id.</summary>
    public static string EmptyId(string column) =>
        $"key column {column}: the value is empty, and a Typesense document id must not be empty";

    /// <summary>The key's text cannot be a JSON string.</summary>
    public static string InvalidId() => "the key is not valid UTF-8 or is too long for a document id";

    /// <summary>A full document was asked for but a column was not sent.</summary>
    public static string UnchangedToast(string column) =>
        $"column {column}: the value is an unchanged TOASTed value that PostgreSQL did not send; "
        + "a full document needs it (fill it from an older image of the row, or write a partial document for action=update)";

    /// <summary>The row does not have the relation's columns.</summary>
    public static string ColumnCount(int row, int relation) =>
        $"the row has {row} columns but the relation has {relation}";
}

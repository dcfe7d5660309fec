using System.Text;

namespace WalSync.Mapping;

/// <summary>
/// The type mapping as a Markdown table for the README. The Typesense column is computed by resolving example types
/// with the same code the mapper uses, so the table cannot drift from what the mapper does.
/// </summary>
internal static class TypeMappingTable
{
    // PostgreSQL column text, example type OIDs (resolved for the Typesense column; none = fixed text), value column.
    private static readonly (string PostgreSql, uint[] Examples, string? Typesense, string Value)[] Rows =
    [
        ("smallint, integer", [21, 23], null, "number"),
        ("bigint", [20], null, "number"),
        ("real, double precision, numeric", [700, 701, 1700], null,
            "number as PostgreSQL writes it (`1.000`, `1e+100`); `NaN`, `Infinity`, `-Infinity` → dead letter"),
        ("boolean", [16], null, "`true` / `false`"),
        ("text, varchar, char(n), citext, name, enums, uuid", [25, 1043, 1042, 19, 2950], null,
            "the text (char(n) keeps its padding, uuid lower case)"),
        ("timestamptz, timestamp (read as UTC), date", [1184, 1114, 1082], null,
            "Unix seconds, rounded down (floor, also before 1970 and BC); `infinity`, `-infinity` → dead letter"),
        ("1-D arrays of the above (except json/jsonb)", [1007, 1016, 1022, 1000, 1009], null,
            "array; NULL elements left out; timestamps as Unix seconds"),
        ("json, jsonb holding an object", [3802, 114], null,
            "the object; any other JSON value → dead letter (the collection is created with `enable_nested_fields`)"),
        ("1-D arrays of json, jsonb", [3807], null, "array of the objects; NULL elements left out; a non-object element → dead letter"),
        ("anything else (time, interval, inet, bytea, point, money, xml, ranges, composites, ...)", [1083, 1186, 869, 17, 600, 790, 142], null,
            "PostgreSQL's text form"),
        ("1-D arrays of anything else", [1183, 1041], null, "array of each element's text form; NULL elements left out"),
        ("multi-dimensional arrays (any element type)", [], "the 1-D array type",
            "dead letter: PostgreSQL does not record dimensions in the type; exclude the column (ExcludeColumns) to sync the rest"),
        ("domains", [], "as the base type", "as the base type (arrays of domains as arrays of the base type)"),
    ];

    /// <summary>The table in Markdown, followed by notes on ids, NULL and optional fields; lines end with '\n'.</summary>
    public static string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| PostgreSQL | Typesense field | value |\n|---|---|---|\n");
        foreach (var (postgreSql, examples, fixedType, value) in Rows)
        {
            var typesense = fixedType ?? string.Join(", ", examples
                .Select(oid => ColumnType.Resolve(PgTypeCatalog.BuiltIn, oid).TypesenseType)
                .Distinct(StringComparer.Ordinal));
            text.Append($"| {postgreSql} | {typesense} | {value} |\n");
        }
        text.Append('\n')
            .Append("- NULL leaves the field out of the document (in a partial update it is sent as `null`, which removes the field).\n")
            .Append("- Every field is `optional: true` except the key columns, so columns added later and NOT NULL dropped later never make imports fail.\n")
            .Append("- `id` is the primary key (or replica identity index) as a string: one column gives its text form; several give each ")
            .Append("part's text with `\\` written as `\\\\` and `|` as `\\|`, joined by `|` (so `(\"a|b\",\"c\")` is `a\\|b|c`).\n")
            .Append("- Key columns are fields too, with the types above; a key column named `id` is only the document id. ")
            .Append("A column named `id` that is not the key must be excluded (Typesense keeps `id` for the document id).\n")
            .Append("- A value Typesense cannot hold is never changed to fit: the row goes to the dead-letter store with the reason.\n");
        return text.ToString();
    }
}

namespace WalSync.Tests.Convergence;

/// <summary>How a column's expected JSON value is computed in SQL, written from the README's type table and not from
/// WalSync's mapper.</summary>
internal enum Expect
{
    /// <summary>PostgreSQL's own JSON conversion: numbers (real as float4 writes it, numeric as is), booleans, and
    /// strings for text types (char(n) padded, uuid lower case) and enums; domains as their base type.</summary>
    Value,

    /// <summary>Unix seconds, floor: <c>floor(extract(epoch FROM c))</c>.</summary>
    Epoch,

    /// <summary>The JSON object itself: <c>c::jsonb</c>.</summary>
    Json,

    /// <summary>The type's text form (its output function, through <c>format('%s', c)</c>).</summary>
    TextForm,
}

/// <summary>SQL expressions that give the expected value of a field, and the expected document of a row.</summary>
internal static class ExpectedSql
{
    /// <summary>The expected value of scalar column <paramref name="column"/> (a quoted name or an expression).</summary>
    public static string Scalar(string column, Expect expect) => expect switch
    {
        Expect.Value => column,
        Expect.Epoch => $"floor(extract(epoch FROM {column}))::bigint",
        Expect.Json => $"({column})::jsonb",
        _ => $"CASE WHEN {column} IS NULL THEN NULL ELSE format('%s', {column}) END",
    };

    /// <summary>The expected array of 1-D array column <paramref name="column"/>: its non-NULL elements in order, each
    /// as <paramref name="element"/> says.</summary>
    public static string Array(string column, Expect element) =>
        $"CASE WHEN {column} IS NULL THEN NULL ELSE coalesce((SELECT jsonb_agg({Scalar("e", element)} ORDER BY o) " +
        $"FROM unnest({column}) WITH ORDINALITY AS u(e, o) WHERE e IS NOT NULL), '[]'::jsonb) END";

    /// <summary>A jsonb object of <paramref name="fields"/> (name → expression); SQL NULL values stay as JSON nulls,
    /// which <see cref="ExpectedDocuments"/> leaves out.</summary>
    public static string Document(IEnumerable<(string Field, string Expression)> fields)
    {
        // jsonb_build_object takes at most 100 arguments.
        var parts = fields.Chunk(40).Select(chunk =>
            "jsonb_build_object(" + string.Join(", ", chunk.Select(f => $"{Literal(f.Field)}, {f.Expression}")) + ")").ToList();
        return parts.Count == 0 ? "'{}'::jsonb" : string.Join(" || ", parts);
    }

    /// <summary>The document id of a composite key: each part's text with <c>\</c> → <c>\\</c> and <c>|</c> → <c>\|</c>,
    /// joined by <c>|</c> (README, "Documents and types").</summary>
    public static string CompositeId(params string[] keyColumns) =>
        string.Join(" || '|' || ", keyColumns.Select(k => $"replace(replace(format('%s', {k}), '\\', '\\\\'), '|', '\\|')"));

    /// <summary>An SQL string literal.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

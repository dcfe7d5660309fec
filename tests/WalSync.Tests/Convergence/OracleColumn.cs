namespace WalSync.Tests.Convergence;

/// <summary>A column of an oracle table: its SQL type, how the workload makes values for it, and the SQL expression
/// of its expected field value.</summary>
/// <param name="Name">The column name (a plain identifier).</param>
/// <param name="SqlType">The column's type in CREATE TABLE / ADD COLUMN.</param>
/// <param name="Generate">A random value as an SQL expression.</param>
/// <param name="Expected">The expected field value, an SQL expression over the row.</param>
/// <param name="IsField">False for a column the table's options leave out of the documents.</param>
internal sealed record OracleColumn(string Name, string SqlType, Func<OracleValues, string> Generate, string Expected, bool IsField = true)
{
    /// <summary>The DEFAULT a column added mid-stream gets, which gives every existing row a value without publishing
    /// one; null for none.</summary>
    public string? Default { get; init; }

    /// <summary>A scalar column whose field is computed as <paramref name="expect"/> says.</summary>
    public static OracleColumn Scalar(string name, string type, Func<OracleValues, string> generate, Expect expect = Expect.Value) =>
        new(name, type, generate, ExpectedSql.Scalar(name, expect));

    /// <summary>A 1-D array column of <paramref name="elementType"/>.</summary>
    public static OracleColumn ArrayOf(string name, string elementType, Func<OracleValues, string> element, Expect expect = Expect.Value) =>
        new(name, elementType + "[]", v => v.Array(() => element(v), elementType + "[]"), ExpectedSql.Array(name, expect));

    /// <summary>This column, left out of the documents by the table's options.</summary>
    public OracleColumn NotAField() => this with { IsField = false };

    /// <summary>This column, added with <c>DEFAULT <paramref name="value"/></c>.</summary>
    public OracleColumn WithDefault(string value) => this with { Default = value };
}

using System.Text;
using WalSync.Replication;

namespace WalSync.Mapping;

/// <summary>
/// Builds the SQL of nested documents: the expression that reads a root row's nested fields in one statement (JSON
/// aggregation per entry, arrays ordered by the nested table's key), and the subqueries that follow the foreign keys
/// upward from changed rows of a nested or join table to the keys of the roots they affect.
/// </summary>
/// <remarks>Values are read with <c>format('%s', value)</c>, which calls the type's output function, so they have the
/// text forms pgoutput sends (a cast to text would not: <c>true::text</c> is <c>true</c>, not <c>t</c>).
/// https://www.postgresql.org/docs/current/functions-string.html#FUNCTIONS-STRING-FORMAT</remarks>
internal static class NestedSql
{
    /// <summary>A JSON array with one element per entry of <paramref name="plans"/> for the parent row aliased <paramref name="parent"/>.</summary>
    public static string Document(IReadOnlyList<NestedPlan> plans, string parent) => Levels(plans, parent, 0);

    private static string Levels(IReadOnlyList<NestedPlan> plans, string parent, int depth) =>
        $"json_build_array({string.Join(", ", plans.Select(p => Entry(p, parent, depth)))})";

    private static string Entry(NestedPlan plan, string parent, int depth)
    {
        var n = plan.Kind == NestedRelationKind.Generated ? parent : $"n{depth}";
        var values = plan.Columns.Select(c => $"CASE WHEN {n}.{Q(c.Name)} IS NULL THEN NULL ELSE format('%s', {n}.{Q(c.Name)}) END")
            .Concat(plan.Children.Select(child => Entry(child, n, depth + 1)));
        var row = $"json_build_array({string.Join(", ", values)})";
        var order = string.Join(", ", plan.KeyColumns.Select(k => $"{n}.{Q(k)}"));
        return plan.Kind switch
        {
            NestedRelationKind.Generated => row,
            NestedRelationKind.ManyToOne => $"(SELECT {row} FROM {plan.SqlTable} {n} WHERE {Equal(n, plan.ChildColumns, parent, plan.ParentColumns)} LIMIT 1)",
            NestedRelationKind.OneToMany => $"(SELECT coalesce(json_agg({row} ORDER BY {order}), '[]'::json) FROM {plan.SqlTable} {n} " +
                $"WHERE {Equal(n, plan.ChildColumns, parent, plan.ParentColumns)})",
            _ => $"(SELECT coalesce(json_agg({row} ORDER BY {order}), '[]'::json) FROM {plan.SqlThrough} j{depth} " +
                $"JOIN {plan.SqlTable} {n} ON {Equal(n, plan.ChildColumns, $"j{depth}", plan.JoinChildColumns)} " +
                $"WHERE {Equal($"j{depth}", plan.JoinParentColumns, parent, plan.ParentColumns)})",
        };
    }

    /// <summary>The columns of a changed row of <paramref name="plan"/>'s nested table (or of its join table when
    /// <paramref name="join"/>) that lead to its parent: those whose values go into <see cref="AffectedRootKeys"/>.</summary>
    public static IReadOnlyList<string> UpwardColumns(NestedPlan plan, bool join) => join ? plan.JoinParentColumns : plan.ChildColumns;

    /// <summary>
    /// A query of the keys of the roots (rows of <paramref name="root"/>) that hold the changed rows of <paramref name="plan"/>'s
    /// nested table (or of its join table when <paramref name="join"/>). The changed rows' <see cref="UpwardColumns"/>
    /// come as text arrays, one parameter per column, appended to <paramref name="parameters"/>.
    /// </summary>
    public static string AffectedRootKeys(SourceTable root, NestedPlan plan, bool join, IReadOnlyList<string[]> values, List<string[]> parameters)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(parameters);
        var columns = UpwardColumns(plan, join);
        var types = plan.ColumnTypes[join ? plan.Through! : plan.Table];
        var unnest = new StringBuilder();
        var select = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            parameters.Add(values[i]);
            unnest.Append(i == 0 ? "" : ", ").Append('$').Append(parameters.Count).Append("::text[]");
            select.Append(i == 0 ? "" : ", ").Append($"u.v{i}::{types[columns[i]]} AS {Q(columns[i])}");
        }
        var aliases = string.Join(", ", columns.Select((_, i) => $"v{i}"));
        var changed = $"SELECT {select} FROM unnest({unnest}) AS u({aliases})";
        return Upward(root, plan, join, changed, 0);
    }

    // The keys of the roots above the rows of `changed` (rows of the nested table, or of the join table when `join`).
    private static string Upward(SourceTable root, NestedPlan plan, bool join, string changed, int depth)
    {
        var c = $"c{depth}";
        var inner = join
            ? $"SELECT {List(c, plan.JoinParentColumns)} FROM ({changed}) {c}"
            : plan.Kind == NestedRelationKind.ManyToMany
                ? $"SELECT {List($"j{depth}", plan.JoinParentColumns)} FROM {plan.SqlThrough} j{depth} WHERE ({List($"j{depth}", plan.JoinChildColumns)}) " +
                  $"IN (SELECT {List(c, plan.ChildColumns)} FROM ({changed}) {c})"
                : $"SELECT {List(c, plan.ChildColumns)} FROM ({changed}) {c}";
        var p = $"p{depth}";
        if (plan.Parent is null)
        {
            return $"SELECT {List(p, root.KeyColumns)} FROM {root.SqlName} {p} WHERE ({List(p, plan.ParentColumns)}) IN ({inner})";
        }
        var parents = $"SELECT {p}.* FROM {plan.Parent.SqlTable} {p} WHERE ({List(p, plan.ParentColumns)}) IN ({inner})";
        return Upward(root, plan.Parent, join: false, parents, depth + 1);
    }

    private static string Equal(string left, IReadOnlyList<string> leftColumns, string right, IReadOnlyList<string> rightColumns) =>
        string.Join(" AND ", leftColumns.Select((column, i) => $"{left}.{Q(column)} = {right}.{Q(rightColumns[i])}"));

    private static string List(string alias, IEnumerable<string> columns) => string.Join(", ", columns.Select(c => $"{alias}.{Q(c)}"));

    private static string Q(string name) => SourceTable.QuoteIdentifier(name);
}

namespace WalSync.Tests.Convergence;

/// <summary>
/// A seeded random workload over the <see cref="OracleTables"/>: inserts, updates of some columns, updates of large
/// TOASTed values, key changes (also into a key deleted in the same transaction, and across partitions), deletes,
/// INSERT ... ON CONFLICT, multi-row updates, soft deletes and restores, truncates, rolled back transactions and
/// savepoints, columns added mid-stream (some with a default), and a partition attached with rows and detached again.
/// The same seed gives the same statements.
/// </summary>
internal sealed class OracleWorkload
{
    private readonly OracleValues _values;
    private readonly OracleTable[] _tables;
    private int _truncates;

    /// <summary>Creates the workload for <paramref name="seed"/>.</summary>
    public OracleWorkload(int seed, OracleTable[] tables)
    {
        _values = new OracleValues(new Random(seed));
        _tables = tables;
    }

    /// <summary>INSERTs of <paramref name="rowsPerTable"/> rows into each table (the rows the snapshot copies).</summary>
    public List<string> InitialRows(int rowsPerTable) =>
        _tables.SelectMany(table => Enumerable.Range(0, rowsPerTable).Select(_ => Insert(table))).ToList();

    /// <summary>The next transaction: its statements, and whether it commits (some roll back).</summary>
    /// <param name="operations">The number of operations in it (an operation may be several statements).</param>
    /// <param name="savepoints">Put some runs of operations in savepoints, half of them rolled back.</param>
    public (List<string> Statements, bool Commit) NextTransaction(int operations, bool savepoints = false)
    {
        var saved = _tables.ToDictionary(t => t, t => t.SaveRows());
        var statements = new List<string>();
        for (var i = 0; i < operations; i++)
        {
            if (savepoints && _values.Chance(0.05))
            {
                // A run of operations in a savepoint that is rolled back or released (a subtransaction of its own).
                var inner = _tables.ToDictionary(t => t, t => t.SaveRows());
                var name = $"s{i}";
                statements.Add("SAVEPOINT " + name);
                for (var n = _values.Random.Next(1, 40); n > 0 && i < operations; n--, i++)
                {
                    statements.AddRange(Operation(_values.Pick(_tables)));
                }
                var rolledBack = _values.Chance(0.5);
                statements.Add((rolledBack ? "ROLLBACK TO SAVEPOINT " : "RELEASE SAVEPOINT ") + name);
                foreach (var (table, rows) in inner.Where(_ => rolledBack))
                {
                    table.RestoreRows(rows);
                }
                continue;
            }
            statements.AddRange(Operation(_values.Pick(_tables)));
        }
        var commit = !_values.Chance(0.05);
        if (!commit)
        {
            foreach (var (table, rows) in saved)
            {
                table.RestoreRows(rows);
            }
        }
        return (statements, commit);
    }

    /// <summary>ALTER TABLE ... ADD COLUMN for each table's later columns, followed by updates that fill them.</summary>
    public List<string> AddColumns()
    {
        var statements = new List<string>();
        foreach (var table in _tables)
        {
            foreach (var column in table.LaterColumns)
            {
                statements.Add($"ALTER TABLE {table.Name} ADD COLUMN {column.Name} {column.SqlType}{(column.Default is { } value ? " DEFAULT " + value : "")}");
                table.Columns.Add(column);
                statements.AddRange(table.Rows.Take(3).Select(key => $"UPDATE {table.Name} SET {column.Name} = {column.Generate(_values)} WHERE {table.Match(key)}"));
            }
        }
        return statements;
    }

    /// <summary>The spare partition's name for <paramref name="table"/>.</summary>
    public static string SparePartition(OracleTable table) => table.Name + "_spare";

    /// <summary>A partition created apart from <paramref name="table"/>, filled with rows (which no stream carries) and
    /// attached: ATTACH PARTITION publishes none of them.</summary>
    /// <param name="table">A table with <see cref="OracleTable.SparePartitionValue"/>.</param>
    /// <param name="identity">The replica identity the partition gets, like the table's others.</param>
    public List<string> AttachPartition(OracleTable table, string identity)
    {
        var partition = SparePartition(table);
        var statements = new List<string>
        {
            $"CREATE TABLE {partition} (LIKE {table.Name} INCLUDING DEFAULTS INCLUDING STORAGE)",
            $"ALTER TABLE {partition} ADD PRIMARY KEY ({string.Join(", ", table.KeyColumns.Select(k => k.Name))})",
            $"ALTER TABLE {partition} REPLICA IDENTITY {identity}",
        };
        var keys = Enumerable.Range(1, _values.Random.Next(3, 9)).Select(i => (string[])[table.SparePartitionValue!, .. table.NewKey(_values)[1..]])
            .DistinctBy(k => string.Join("|", k)).ToList();
        statements.AddRange(keys.Select(key => Insert(table, key, partition)));
        statements.Add($"ALTER TABLE {table.Name} ATTACH PARTITION {partition} FOR VALUES IN ({table.SparePartitionValue})");
        return statements;
    }

    /// <summary>The spare partition detached from <paramref name="table"/>: DETACH PARTITION publishes no deletes.</summary>
    public static List<string> DetachPartition(OracleTable table)
    {
        table.Rows.RemoveAll(key => key[0] == table.SparePartitionValue);
        return [$"ALTER TABLE {table.Name} DETACH PARTITION {SparePartition(table)}"];
    }

    private IEnumerable<string> Operation(OracleTable table)
    {
        var roll = _values.Random.Next(100);
        if (table.Rows.Count < 2 || roll < 20)
        {
            return [Insert(table)];
        }
        var key = _values.Pick(table.Rows);
        return roll switch
        {
            < 42 => [$"UPDATE {table.Name} SET {Assignments(table, _values.Random.Next(1, 5))} WHERE {table.Match(key)}"],
            < 52 => [$"UPDATE {table.Name} SET {table.BigColumn} = {(_values.Chance(0.1) ? "NULL" : _values.BigText())}" +
                     $"{(_values.Chance(0.5) ? ", " + Assignments(table, 1) : "")} WHERE {table.Match(key)}"],
            < 60 => ChangeKey(table, key),
            < 68 => Delete(table, key),
            < 72 => MoveIntoDeleted(table, key),
            < 78 when table.SoftDeleteColumn is { } soft => SoftDeleteAndMaybeRestore(table, key, soft),
            < 83 => [Upsert(table)],
            < 88 => [UpdateSeveral(table)],
            < 92 => [Insert(table), .. UpdateNewest(table)],
            < 95 => [$"UPDATE {table.Name} SET {Assignments(table, 1)} WHERE {table.Match(key)}", .. Delete(table, key)],
            < 97 => Savepoint(table),
            < 98 when _truncates < 2 => Truncate(table),
            _ => [$"UPDATE {table.Name} SET {Assignments(table, 2)} WHERE {table.Match(key)}"],
        };
    }

    private string Insert(OracleTable table) => Insert(table, table.FreshKey(_values), table.Name);

    private string Insert(OracleTable table, string[] key, string into)
    {
        table.Rows.Add(key);
        var columns = table.Columns.Where(c => c.Name == table.BigColumn ? _values.Chance(0.6) : _values.Chance(0.7)).ToList();
        var names = table.KeyColumns.Select(k => k.Name).Concat(columns.Select(c => c.Name));
        var values = key.Concat(columns.Select(Value));
        return $"INSERT INTO {into} ({string.Join(", ", names)}) VALUES ({string.Join(", ", values)})";
    }

    private IEnumerable<string> UpdateNewest(OracleTable table) =>
        [$"UPDATE {table.Name} SET {Assignments(table, 2)} WHERE {table.Match(table.Rows[^1])}"];

    private IEnumerable<string> ChangeKey(OracleTable table, string[] key)
    {
        var fresh = table.FreshKey(_values);
        table.Rows.Remove(key);
        table.Rows.Add(fresh);
        var more = _values.Chance(0.3) ? ", " + Assignments(table, 1) : "";
        return [$"UPDATE {table.Name} SET {table.SetKey(fresh)}{more} WHERE {table.Match(key)}"];
    }

    private static IEnumerable<string> Delete(OracleTable table, string[] key)
    {
        table.Rows.Remove(key);
        return [$"DELETE FROM {table.Name} WHERE {table.Match(key)}"];
    }

    // The freed key is taken by another row in the same transaction: its document must not keep the deleted row's values.
    private IEnumerable<string> MoveIntoDeleted(OracleTable table, string[] key)
    {
        var other = _values.Pick(table.Rows.Where(r => r != key).ToList());
        table.Rows.Remove(other);
        var more = _values.Chance(0.5) ? ", " + Assignments(table, 1) : "";
        return [$"DELETE FROM {table.Name} WHERE {table.Match(key)}", $"UPDATE {table.Name} SET {table.SetKey(key)}{more} WHERE {table.Match(other)}"];
    }

    private IEnumerable<string> SoftDeleteAndMaybeRestore(OracleTable table, string[] key, string soft)
    {
        var big = _values.Chance(0.5) ? $", {table.BigColumn} = {_values.BigText()}" : "";
        var delete = $"UPDATE {table.Name} SET {soft} = true{big} WHERE {table.Match(key)}";
        return _values.Chance(0.5)
            ? [delete, $"UPDATE {table.Name} SET {soft} = {(_values.Chance(0.8) ? "false" : "NULL")}, {Assignments(table, 1, soft)} WHERE {table.Match(key)}"]
            : [delete];
    }

    private string Upsert(OracleTable table)
    {
        var key = _values.Chance(0.5) ? _values.Pick(table.Rows) : table.FreshKey(_values);
        if (!table.Rows.Any(r => r.SequenceEqual(key)))
        {
            table.Rows.Add(key);
        }
        var column = PickColumn(table);
        var keys = string.Join(", ", table.KeyColumns.Select(k => k.Name));
        return $"INSERT INTO {table.Name} ({keys}, {column.Name}) VALUES ({string.Join(", ", key)}, {Value(column)}) " +
               $"ON CONFLICT ({keys}) DO UPDATE SET {column.Name} = EXCLUDED.{column.Name}";
    }

    private string UpdateSeveral(OracleTable table)
    {
        var keys = Enumerable.Range(0, _values.Random.Next(2, 6)).Select(_ => _values.Pick(table.Rows)).Distinct();
        return $"UPDATE {table.Name} SET {Assignments(table, 1)} WHERE {string.Join(" OR ", keys.Select(k => $"({table.Match(k)})"))}";
    }

    private List<string> Savepoint(OracleTable table)
    {
        var saved = table.SaveRows();
        var statements = new List<string> { "SAVEPOINT s" };
        statements.AddRange(Operation(table));
        statements.Add("ROLLBACK TO SAVEPOINT s");
        table.RestoreRows(saved);
        return statements;
    }

    private IEnumerable<string> Truncate(OracleTable table)
    {
        _truncates++;
        table.Rows.Clear();
        // Rows inserted after the TRUNCATE in the same transaction must survive it.
        return [$"TRUNCATE {table.Name}", .. Enumerable.Range(0, _values.Random.Next(0, 4)).Select(_ => Insert(table))];
    }

    private string Assignments(OracleTable table, int count, string? except = null) =>
        string.Join(", ", Enumerable.Range(0, count).Select(_ => PickColumn(table, except)).Distinct().Select(c => $"{c.Name} = {Value(c)}"));

    private OracleColumn PickColumn(OracleTable table, string? except = null) =>
        _values.Pick(table.Columns.Where(c => c.Name != table.BigColumn && c.Name != except).ToList());

    private string Value(OracleColumn column) => _values.Chance(0.1) ? "NULL" : column.Generate(_values);
}

using Npgsql;

namespace WalSync.Replication;

/// <summary>How many rows a backfill of a table will read, for progress: PostgreSQL's planner estimate, or a count when the
/// table was never analyzed.</summary>
/// <remarks>https://www.postgresql.org/docs/15/catalog-pg-class.html (reltuples is -1 before the first VACUUM or ANALYZE).</remarks>
internal static class TableSize
{
    /// <summary>The estimated rows of <paramref name="table"/> (all partitions of a partitioned one), or <c>count(*)</c> under
    /// its row filter when there is no estimate.</summary>
    public static async Task<long> EstimateRowsAsync(NpgsqlConnection connection, SourceTable table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var estimateSql = table.IsPartitioned
            ? "SELECT sum(c.reltuples) FILTER (WHERE c.reltuples > 0)::bigint FROM pg_partition_tree($1) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf"
            : "SELECT CASE WHEN reltuples > 0 THEN reltuples::bigint END FROM pg_class WHERE oid = $1";
        await using (var estimate = new NpgsqlCommand(estimateSql, connection))
        {
            estimate.Parameters.Add(new NpgsqlParameter { Value = table.Relation.RelationId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            if (await estimate.ExecuteScalarAsync(cancellationToken) is long rows)
            {
                return rows;
            }
        }
        var from = table.IsPartitioned ? table.SqlName : "ONLY " + table.SqlName;
        var where = table.RowFilter is null ? "" : $" WHERE ({table.RowFilter})";
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {from}{where}", connection) { CommandTimeout = 0 };
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}

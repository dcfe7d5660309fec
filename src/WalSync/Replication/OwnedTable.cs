using Npgsql;
using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>
/// A table of the source database that WalSync keeps its own state in (dead letters, backfill progress): used as it is
/// when the role may write it (no CREATE right needed), created when missing and the role may create it, and otherwise a
/// configuration error that holds the statements an administrator runs.
/// </summary>
internal sealed class OwnedTable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _table;
    private readonly string _columns;
    private readonly string _privileges;
    private readonly string _what;
    private readonly string _otherwise;

    /// <summary>Describes the table.</summary>
    /// <param name="dataSource">The source database.</param>
    /// <param name="qualifiedTable">schema.table (schema public when none is given), as configured.</param>
    /// <param name="columns">The column list of its CREATE TABLE, parentheses included.</param>
    /// <param name="privileges">The table privileges the role needs, e.g. <c>SELECT, INSERT, UPDATE</c>.</param>
    /// <param name="what">What the table is, for messages: "dead-letter table".</param>
    /// <param name="otherwise">The sentence of the error that names the settings to change instead.</param>
    public OwnedTable(NpgsqlDataSource dataSource, string qualifiedTable, string columns, string privileges, string what, string otherwise)
    {
        ArgumentNullException.ThrowIfNull(qualifiedTable);
        _dataSource = dataSource;
        var dot = qualifiedTable.IndexOf('.', StringComparison.Ordinal);
        _schema = dot < 0 ? "public" : qualifiedTable[..dot];
        _table = dot < 0 ? qualifiedTable : qualifiedTable[(dot + 1)..];
        _columns = columns;
        _privileges = privileges;
        _what = what;
        _otherwise = otherwise;
    }

    /// <summary>The table as a quoted SQL name.</summary>
    public string SqlName => $"{SourceTable.QuoteIdentifier(_schema)}.{SourceTable.QuoteIdentifier(_table)}";

    /// <summary>The DDL of the table, as WalSync runs it and as the error for a role that may not run it prints it.</summary>
    private string CreateSql => $"""
        CREATE SCHEMA IF NOT EXISTS {SourceTable.QuoteIdentifier(_schema)};
        CREATE TABLE IF NOT EXISTS {SqlName} {_columns};
        """;

    /// <summary>Uses the table when it exists and the role may write it; creates it otherwise.</summary>
    /// <exception cref="ConfigurationException">The table exists but the role may not write it, or it is missing and the role
    /// may not create it; the message holds the statements to run.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken) => InitializeAsync(create: true, cancellationToken);

    /// <summary>Checks what <see cref="InitializeAsync(CancellationToken)"/> would do without changing anything: a missing
    /// table is created in a transaction that is rolled back, which proves the role's right to create it.</summary>
    /// <returns>What was found, in one sentence.</returns>
    /// <exception cref="ConfigurationException">As for <see cref="InitializeAsync(CancellationToken)"/>.</exception>
    public async Task<string> CheckAsync(CancellationToken cancellationToken) =>
        await InitializeAsync(create: false, cancellationToken)
            ? $"{_what} {_schema}.{_table} exists and the role may write it"
            : $"{_what} {_schema}.{_table} does not exist yet; the role may create it, and walsync run will";

    /// <summary>Returns true when the table existed.</summary>
    private async Task<bool> InitializeAsync(bool create, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var role = SourceTable.QuoteIdentifier(connection.UserName ?? "walsync");
        var grants = $"GRANT USAGE ON SCHEMA {SourceTable.QuoteIdentifier(_schema)} TO {role}; GRANT {_privileges} ON {SqlName} TO {role};";
        await using (var check = new NpgsqlCommand(
            "SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, $3) " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", connection))
        {
            check.Parameters.AddWithValue(_schema);
            check.Parameters.AddWithValue(_table);
            check.Parameters.AddWithValue(_privileges);
            if (await check.ExecuteScalarAsync(cancellationToken) is bool writable)
            {
                if (writable)
                {
                    return true;
                }
                throw new ConfigurationException($"The role {role} may not write the {_what} {_schema}.{_table}. Have its owner run: {grants}");
            }
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(CreateSql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new ConfigurationException($"The {_what} {_schema}.{_table} does not exist and the role {role} may not create it " +
                $"({e.MessageText}). Have an administrator run:{Environment.NewLine}{CreateSql}{Environment.NewLine}{grants}{Environment.NewLine}" +
                _otherwise, e);
        }
        if (create)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        return false;
    }
}

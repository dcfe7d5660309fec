namespace WalSync.Configuration;

/// <summary>The <c>Postgres</c> section: the source database, its replication slot and publication.</summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string (<c>Host=…;Port=5432;Username=…;Password=…;Database=…</c>). The role needs
    /// the REPLICATION attribute and SELECT on the configured tables. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The logical replication slot WalSync reads (created on first start). Default <c>walsync</c>.</summary>
    public string Slot { get; set; } = "walsync";

    /// <summary>The publication of the configured tables (created when missing). Default <c>walsync</c>.</summary>
    public string Publication { get; set; } = "walsync";
}

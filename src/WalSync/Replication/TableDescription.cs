using WalSync.Configuration;

namespace WalSync.Replication;

/// <summary>A configured table as the catalog describes it (<see cref="SourceDatabase.DescribeTablesAsync"/>): the table,
/// or why it cannot be used.</summary>
/// <param name="Table">The table; null when it cannot be used.</param>
/// <param name="Problem">Why it cannot be used and how to fix it (every problem of the table); null when it can.</param>
internal sealed record TableDescription(SourceTable? Table, string? Problem)
{
    /// <summary>The table.</summary>
    /// <exception cref="ConfigurationException">It cannot be used; the message is <see cref="Problem"/>.</exception>
    public SourceTable Get() => Table ?? throw new ConfigurationException(Problem!);
}

namespace WalSync.DeadLetters;

/// <summary>Which stored dead letters to read.</summary>
public sealed record DeadLetterQuery
{
    /// <summary>Only those of this source table (schema.table; a bare name means <c>public</c>); null for all.</summary>
    public string? Table { get; init; }

    /// <summary>At most this many (the oldest first); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Also those already retried. Default false: pending ones only.</summary>
    public bool IncludeRetried { get; init; }

    /// <summary><see cref="Table"/> as schema.table, or null.</summary>
    public string? QualifiedTable => Table is null || Table.Contains('.', StringComparison.Ordinal) ? Table : "public." + Table;
}

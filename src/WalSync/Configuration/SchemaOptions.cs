namespace WalSync.Configuration;

/// <summary>The <c>Schema</c> section: how collections follow <c>ALTER TABLE</c>.</summary>
public sealed class SchemaOptions
{
    /// <summary>What to do when a column changes type: PostgreSQL rewrites its rows without publishing them, and the
    /// documents in the collection may not take the new type at all (text to integer, for example). Default
    /// <see cref="RecoveryAction.Rebuild"/>: a new version is filled from the table while the current one keeps serving
    /// what it has. <see cref="RecoveryAction.Stop"/> stops the run with the command that rebuilds.</summary>
    public RecoveryAction OnIncompatibleChange { get; set; } = RecoveryAction.Rebuild;
}

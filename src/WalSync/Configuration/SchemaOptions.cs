namespace WalSync.Configuration;

/// <summary>The <c>Schema</c> section: how collections follow <c>ALTER TABLE</c>.</summary>
public sealed class SchemaOptions
{
    /// <summary>What to do when a column changes to a type the documents in the collection cannot take (text to
    /// integer, for example). Default <see cref="RecoveryAction.Rebuild"/>: a new version is filled from the table while
    /// the current one keeps serving what it has.</summary>
    public RecoveryAction OnIncompatibleChange { get; set; } = RecoveryAction.Rebuild;
}

namespace WalSync.Pipeline;

/// <summary>What a flush does to one document.</summary>
public enum DocumentOperation : byte
{
    /// <summary>Replace the whole document (<c>action=upsert</c>).</summary>
    Upsert,

    /// <summary>Merge the fields that were sent into the existing document (<c>action=update</c>), because the row
    /// has unchanged TOAST columns whose values WalSync does not have.</summary>
    PartialUpdate,

    /// <summary>Delete the document.</summary>
    Delete,
}

namespace WalSync.Pipeline;

/// <summary>What a flush does to one document.</summary>
internal enum DocumentOperation : byte
{
    /// <summary>Replace the whole document (<c>action=upsert</c>).</summary>
    Upsert,

    /// <summary>Merge the fields that were sent into the existing document (<c>action=update</c>), because the row
    /// has unchanged TOAST columns whose values WalSync does not have.</summary>
    PartialUpdate,

    /// <summary>Delete the document.</summary>
    Delete,

    /// <summary>Read the row from PostgreSQL by key and upsert it whole (nothing when the row no longer exists: its
    /// delete comes later in the stream), because an update with unchanged TOAST columns cannot be merged into what
    /// Typesense holds: an earlier change in the batch replaced it (a delete, or a row of another relation version), or
    /// the update carries a json object, which <c>action=update</c> would merge into the stored one.</summary>
    Reload,
}

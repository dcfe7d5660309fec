namespace WalSync.TypesenseEmulator.Storage;

/// <summary>The <c>action</c> of an import or single-document write.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#action-modes</remarks>
internal enum WriteAction
{
    /// <summary>New documents only; 409 when the id exists.</summary>
    Create,

    /// <summary>Create, or replace the whole stored document.</summary>
    Upsert,

    /// <summary>Merge into an existing document; 404 when missing.</summary>
    Update,

    /// <summary>Update when the document exists, else create.</summary>
    Emplace,
}

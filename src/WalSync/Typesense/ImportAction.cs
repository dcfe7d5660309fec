namespace WalSync.Typesense;

/// <summary>The <c>action</c> parameter of an import: how each document meets a stored document with the same id.</summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#action-modes-create-upsert-update-emplace</remarks>
public enum ImportAction
{
    /// <summary>Create only; a line whose id exists fails with code 409.</summary>
    Create,

    /// <summary>Create, or replace the whole stored document (all required fields needed).</summary>
    Upsert,

    /// <summary>Merge into an existing document; a line whose id is missing fails with code 404.</summary>
    Update,

    /// <summary>Merge into an existing document, or create it when missing.</summary>
    Emplace,
}

namespace WalSync.TypesenseEmulator.Storage;

/// <summary>How a write treats a value whose type does not match the schema (<c>dirty_values</c>).</summary>
/// <remarks>https://typesense.org/docs/29.0/api/documents.html#dealing-with-dirty-data</remarks>
internal enum DirtyValues
{
    /// <summary>Reject the document.</summary>
    Reject,

    /// <summary>Drop the field (optional fields), else reject.</summary>
    Drop,

    /// <summary>Coerce the value, else reject.</summary>
    CoerceOrReject,

    /// <summary>Coerce the value, else drop it (optional fields), else reject.</summary>
    CoerceOrDrop,
}

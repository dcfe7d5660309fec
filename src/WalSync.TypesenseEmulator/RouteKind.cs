namespace WalSync.TypesenseEmulator;

/// <summary>The Typesense endpoints the emulator serves; used for request counters and targeted faults.</summary>
/// <remarks>Routes and their order follow Typesense v29 <c>master_server_routes()</c>.</remarks>
public enum RouteKind
{
    /// <summary><c>GET /health</c> (no key) and <c>POST /health</c> (key needed).</summary>
    Health,

    /// <summary><c>POST /collections</c>.</summary>
    CollectionCreate,

    /// <summary><c>GET /collections</c>.</summary>
    CollectionList,

    /// <summary><c>GET /collections/:c</c>.</summary>
    CollectionGet,

    /// <summary><c>PATCH /collections/:c</c>.</summary>
    CollectionUpdate,

    /// <summary><c>DELETE /collections/:c</c>.</summary>
    CollectionDelete,

    /// <summary><c>GET /collections/:c/documents/search</c>.</summary>
    DocumentSearch,

    /// <summary><c>POST /collections/:c/documents/import</c>.</summary>
    DocumentImport,

    /// <summary><c>GET /collections/:c/documents/export</c>.</summary>
    DocumentExport,

    /// <summary><c>POST /collections/:c/documents</c>.</summary>
    DocumentCreate,

    /// <summary><c>GET /collections/:c/documents/:id</c>.</summary>
    DocumentGet,

    /// <summary><c>PATCH /collections/:c/documents/:id</c>.</summary>
    DocumentUpdate,

    /// <summary><c>PATCH /collections/:c/documents?filter_by=…</c>.</summary>
    DocumentsUpdateByFilter,

    /// <summary><c>DELETE /collections/:c/documents/:id</c>.</summary>
    DocumentDelete,

    /// <summary><c>DELETE /collections/:c/documents?filter_by=…</c>.</summary>
    DocumentsDeleteByFilter,

    /// <summary><c>GET /aliases</c>.</summary>
    AliasList,

    /// <summary><c>GET /aliases/:a</c>.</summary>
    AliasGet,

    /// <summary><c>PUT /aliases/:a</c>.</summary>
    AliasUpsert,

    /// <summary><c>DELETE /aliases/:a</c>.</summary>
    AliasDelete,

    /// <summary>The emulator's own <c>/_emulator/faults</c> control endpoint (not counted, never faulted).</summary>
    FaultControl,
}

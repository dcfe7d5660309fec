namespace WalSync.TypesenseEmulator;

/// <summary>Which requests a fault rule applies to.</summary>
public enum FaultScope
{
    /// <summary>POST, PUT, PATCH and DELETE requests (Typesense's notion of a write).</summary>
    Writes,

    /// <summary>Every request except <c>GET /health</c> and the control endpoint.</summary>
    AllRequests,
}

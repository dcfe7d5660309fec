namespace WalSync.Tests.Faults;

/// <summary>How Typesense fails during an outage test.</summary>
public enum OutageKind
{
    /// <summary>Every write answers 503 Not Ready or Lagging.</summary>
    ServiceUnavailable,

    /// <summary>Every write answers 500.</summary>
    InternalError,

    /// <summary>Writes get no answer until the client's timeout.</summary>
    Hang,

    /// <summary>Every request is answered, 300 ms late.</summary>
    Slow,

    /// <summary>The node's port is closed: connection refused, open connections reset.</summary>
    ConnectionRefused,
}

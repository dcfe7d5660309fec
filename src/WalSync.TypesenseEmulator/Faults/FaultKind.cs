namespace WalSync.TypesenseEmulator;

/// <summary>What a faulted request gets instead of its normal answer.</summary>
public enum FaultKind
{
    /// <summary>503 <c>{ "message": "Not Ready or Lagging"}</c>, Typesense's backpressure answer.</summary>
    ServiceUnavailable,

    /// <summary>500 <c>{"message": "Internal Server Error"}</c>.</summary>
    InternalError,

    /// <summary>No answer until the client gives up (disconnects) or the fault is cleared.</summary>
    Hang,

    /// <summary>The TCP connection is aborted without any response.</summary>
    DropConnection,
}

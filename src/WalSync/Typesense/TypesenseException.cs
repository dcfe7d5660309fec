namespace WalSync.Typesense;

/// <summary>A Typesense request failed: the node answered an error status, could not be reached, timed out, or answered something unreadable.</summary>
/// <remarks>The message names the node, the operation, the status and Typesense's own message; it never holds the API key.</remarks>
public sealed class TypesenseException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public TypesenseException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public TypesenseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public TypesenseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a request sent to <paramref name="node"/>.</summary>
    /// <param name="node">The node's base URL.</param>
    /// <param name="operation">Method and path without query, e.g. <c>POST /collections/products/documents/import</c>.</param>
    /// <param name="statusCode">The HTTP status, or null when no response arrived.</param>
    /// <param name="typesenseMessage">The <c>message</c> of Typesense's error body, or the failure's description.</param>
    /// <param name="isTransient">Whether retrying may succeed (5xx, timeout, network error).</param>
    /// <param name="innerException">The underlying network or parse error, if any.</param>
    public TypesenseException(Uri node, string operation, int? statusCode, string? typesenseMessage, bool isTransient, Exception? innerException = null)
        : base(Describe(node, operation, statusCode, typesenseMessage), innerException)
    {
        Node = node;
        Operation = operation;
        StatusCode = statusCode;
        TypesenseMessage = typesenseMessage;
        IsTransient = isTransient;
    }

    /// <summary>The base URL of the node that failed, or null when not known.</summary>
    public Uri? Node { get; }

    /// <summary>Method and path of the failed request (no query string), or null when not known.</summary>
    public string? Operation { get; }

    /// <summary>The HTTP status code, or null when no response arrived (network error, timeout).</summary>
    public int? StatusCode { get; }

    /// <summary>Typesense's error message (the <c>message</c> field of its JSON body, else the body text), or the network failure.</summary>
    public string? TypesenseMessage { get; }

    /// <summary>True for failures worth retrying: 5xx (including 503 backpressure), timeouts and connection errors. 4xx are never transient.</summary>
    public bool IsTransient { get; }

    private static string Describe(Uri node, string operation, int? statusCode, string? typesenseMessage)
    {
        var status = statusCode is int code ? $"answered {code}" : "gave no response";
        var detail = string.IsNullOrEmpty(typesenseMessage) ? "" : $": {typesenseMessage}";
        return $"Typesense node {node} {status} to {operation}{detail}";
    }
}

namespace WalSync.Typesense;

/// <summary>Connection, timeout and retry settings of <see cref="TypesenseClient"/>; bound from the configuration section <c>Typesense</c>.</summary>
/// <remarks>Defaults follow the official clients and the import advice of https://typesense.org/docs/29.0/api/documents.html#index-multiple-documents.</remarks>
public sealed class TypesenseOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Typesense";

    /// <summary>Base URLs of the cluster's nodes, e.g. <c>http://127.0.0.1:8108</c> (config key <c>Typesense:Nodes</c>). At least one is required.</summary>
    public IList<string> Nodes { get; } = new List<string>();

    /// <summary>The API key, sent only in the <c>X-TYPESENSE-API-KEY</c> header; never logged. Required.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Optional base URL of a node tried before the others while it is healthy (e.g. a load balancer or the local node).</summary>
    public string? NearestNode { get; set; }

    /// <summary>Whole-request timeout of every call except imports, bulk deletes and exports. Default 10 s.</summary>
    public TimeSpan ConnectionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whole-request timeout of imports, deletes by filter, truncates and exports. Default 10 min: Typesense advises minutes for imports.</summary>
    public TimeSpan ImportTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a node that failed (network error, timeout, 5xx) is skipped before it is tried again. Default 60 s.</summary>
    public TimeSpan HealthcheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Delay before the first retry; later retries double it (with jitter) up to <see cref="RetryMaxDelay"/>. Default 200 ms.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of a single retry delay. Default 30 s (Typesense suggests 10–60 s under 503 backpressure).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a transient failure after the first attempt. Default 10 (about two minutes with the default
    /// delays); past them the call throws, and WalSync's pipeline restarts with its own backoff. <see langword="null"/>
    /// retries until it succeeds or the caller cancels.</summary>
    public int? MaxRetries { get; set; } = 10;

    /// <summary>Collections flushed (and so imports in flight) at once. Default 2; Typesense advises at most N−2 for N server cores.</summary>
    public int MaxConcurrentImports { get; set; } = 2;

    /// <summary>Checks the settings and throws <see cref="ArgumentException"/> naming the <c>Typesense:*</c> key to fix.</summary>
    /// <exception cref="ArgumentException">A node is missing or not an absolute http(s) URL, the API key is empty, or a number or duration is out of range.</exception>
    public void Validate()
    {
        if (Nodes.Count == 0)
        {
            throw new ArgumentException("Typesense:Nodes must list at least one node URL, e.g. http://127.0.0.1:8108.");
        }

        foreach (var node in Nodes)
        {
            ValidateNode(node, "Typesense:Nodes");
        }

        if (NearestNode is not null)
        {
            ValidateNode(NearestNode, "Typesense:NearestNode");
        }

        if (string.IsNullOrEmpty(ApiKey) || ApiKey.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("Typesense:ApiKey must be set to a non-empty key without line breaks.");
        }

        RequirePositive(ConnectionTimeout, "Typesense:ConnectionTimeout");
        RequirePositive(ImportTimeout, "Typesense:ImportTimeout");
        if (HealthcheckInterval < TimeSpan.Zero || RetryInitialDelay < TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            throw new ArgumentException("Typesense:HealthcheckInterval and Typesense:RetryInitialDelay must not be negative, and Typesense:RetryMaxDelay must be at least Typesense:RetryInitialDelay.");
        }

        if (MaxRetries < 0 || MaxConcurrentImports < 1)
        {
            throw new ArgumentException("Typesense:MaxRetries must not be negative and Typesense:MaxConcurrentImports must be at least 1.");
        }
    }

    private static void ValidateNode(string node, string key)
    {
        if (!Uri.TryCreate(node, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            // Only scheme, host and path are echoed: a query or user info may hold a secret.
            var shown = uri is null ? "a value that is not a URL" : $"'{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}'";
            throw new ArgumentException($"{key} holds {shown}; it must be an absolute http(s) URL without query or user info, e.g. http://127.0.0.1:8108.");
        }
    }

    private static void RequirePositive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{key} must be a positive duration.");
        }
    }
}
